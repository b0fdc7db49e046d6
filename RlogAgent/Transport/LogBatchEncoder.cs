using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Grpc.Core;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// Writes <c>rlog.v1.LogBatch</c> wire bytes straight from the UTF-8 bytes the readers read: no
/// string, no <c>Log</c> or <c>Timestamp</c> object per line. The per-file fields (label, source,
/// file_id, attributes) are encoded once per file and copied; a line's text is copied as it is when
/// it is valid UTF-8 (checked once per chunk, vectorised), and repaired (each invalid sequence
/// becomes U+FFFD) only when it is not. Fields are written in field-number order and default values
/// are left out, as protobuf's own encoders do, so the bytes are what the generated code would send.
/// </summary>
public static partial class LogBatchEncoder
{
    // Tags: field number << 3 | wire type (2: length-delimited, 0: varint).
    private const byte BatchIdTag = (1 << 3) | 2;
    private const byte SendAtTag = (2 << 3) | 2;
    private const byte LogsTag = (3 << 3) | 2;
    private const byte LabelTag = (1 << 3) | 2;
    private const byte LineTag = (2 << 3) | 2;
    private const byte TimestampTag = (3 << 3) | 2;
    private const byte SourceTag = (4 << 3) | 2;
    private const byte FileIdTag = (5 << 3) | 2;
    private const byte OffsetTag = 6 << 3;
    private const byte SeverityNumberTag = 8 << 3;
    private const byte SeverityTextTag = (9 << 3) | 2;
    private const byte SecondsTag = 1 << 3;
    private const byte NanosTag = 2 << 3;
    private const int MaxTimestampBytes = 1 + 10 + 1 + 5;
    private const int MaxSendAtBytes = 2 + 24;

    /// <summary>
    /// Largest encoded <c>Log</c> the agent puts on the wire: a batch carrying only it stays under the
    /// contract's 4 MiB message limit with room for its batch_id (a split part's longer one too) and
    /// send_at. The reader keeps line text well under it; a line over it all the same (huge label,
    /// path or attributes) is left out of the batch and set aside: re-sending it could only be
    /// refused again, forever.
    /// </summary>
    public const int MaxLogBytes = GrpcChannelFactory.MaxMessageBytes - 256;

    /// <summary>The OpenTelemetry name of the attribute that says which stream a record came from.</summary>
    public const string StreamAttribute = "log.iostream";

    private static readonly byte[] StdoutAttribute = Attribute(StreamAttribute, "stdout");
    private static readonly byte[] StderrAttribute = Attribute(StreamAttribute, "stderr");
    private static readonly byte[] Replacement = [0xEF, 0xBF, 0xBD];

    /// <summary>The client-streaming Send method with this encoding for requests.</summary>
    public static readonly Method<EncodedBatch, Google.Protobuf.WellKnownTypes.Empty> SendMethod = new(
        MethodType.ClientStreaming,
        "rlog.v1.LogService",
        "Send",
        Marshallers.Create<EncodedBatch>(Serialize, _ => throw new NotSupportedException("the agent only sends batches")),
        Marshallers.Create<Google.Protobuf.WellKnownTypes.Empty>(
            (_, context) => context.Complete([]),
            context => Google.Protobuf.WellKnownTypes.Empty.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    /// <summary>
    /// Cuts the chunks' lines, in order, into batches of at most <paramref name="maxLines"/> lines and
    /// about <paramref name="maxBytes"/> encoded bytes (a single line over that still gets a batch of
    /// its own; the reader keeps every line under the message limit), the last one short if need be.
    /// Each batch holds a reference on the chunks it carries; the caller still holds its own.
    /// </summary>
    public static List<EncodedBatch> Encode(IReadOnlyList<LineChunk> chunks, int maxLines, int maxBytes) =>
        new Cutter(maxLines, maxBytes).Cut(chunks, keepLastOpen: false);

    /// <summary>The whole LogBatch message as it goes on the wire: the body, then send_at.</summary>
    public static byte[] ToMessageBytes(EncodedBatch batch)
    {
        Span<byte> tail = stackalloc byte[MaxSendAtBytes];
        var tailLength = WriteSendAt(batch.SendAt, tail);
        var writer = new ArrayBufferWriter<byte>(batch.BodyLength + tailLength);
        EncodedBatch.WriteTo(batch, writer, tail[..tailLength]);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Bytes the batch_id field takes.</summary>
    public static int BatchIdFieldLength(string batchId) => 1 + VarintSize((uint)batchId.Length) + batchId.Length;

    /// <summary>Writes the batch_id field; returns the bytes written.</summary>
    public static int WriteBatchId(Span<byte> span, string batchId)
    {
        span[0] = BatchIdTag;
        var at = 1 + WriteVarint(span[1..], (uint)batchId.Length);
        return at + Encoding.ASCII.GetBytes(batchId, span[at..]);
    }

    /// <summary>Writes the <c>logs</c> fields of a segment's lines; returns the bytes written.</summary>
    public static int WriteLogs(Span<byte> span, LineSegment segment)
    {
        var chunk = segment.Chunk;
        var origin = OriginFields.Of(chunk.Origin);
        var time = new TimeField(chunk.ReadAtUtc);
        var at = 0;
        for (var i = segment.From; i < segment.To; i++)
        {
            ref readonly var line = ref chunk[i];
            var text = chunk.Text(i);
            var valid = chunk.AllValidUtf8 || Utf8.IsValid(text);
            var textBytes = valid ? text.Length : (int)LineText.EncodedLength(text);
            var timestamp = time.For(line.TimeTicks);
            span[at++] = LogsTag;
            at += WriteVarint(span[at..], (uint)LogSize(line, textBytes, origin, timestamp.Length));
            origin.Label.CopyTo(span[at..]);
            at += origin.Label.Length;
            if (textBytes > 0)
            {
                span[at++] = LineTag;
                at += WriteVarint(span[at..], (uint)textBytes);
                at += valid ? Copy(text, span[at..]) : Repair(text, span[at..]);
            }

            span[at++] = TimestampTag;
            span[at++] = (byte)timestamp.Length;
            timestamp.CopyTo(span[at..]);
            at += timestamp.Length;
            origin.SourceAndFileId.CopyTo(span[at..]);
            at += origin.SourceAndFileId.Length;
            if (line.Offset != 0)
            {
                span[at++] = OffsetTag;
                at += WriteVarint(span[at..], (ulong)line.Offset);
            }

            origin.Attributes.CopyTo(span[at..]);
            at += origin.Attributes.Length;
            var stream = StreamField(line.Stream);
            stream.CopyTo(span[at..]);
            at += stream.Length;
            at += WriteEventFields(line, span[at..]);
        }

        return at;
    }

    /// <summary>Encodes one <c>map&lt;string, string&gt;</c> entry of <c>Log.attributes</c> as a whole field.</summary>
    public static byte[] Attribute(string key, string value)
    {
        var k = Encoding.UTF8.GetBytes(key);
        var v = Encoding.UTF8.GetBytes(value);
        var bytes = new byte[ProtobufWire.AttributeSize(k.Length, v.Length)];
        ProtobufWire.WriteAttribute(bytes, k, v);
        return bytes;
    }

    private static void Serialize(EncodedBatch batch, SerializationContext context)
    {
        Span<byte> tail = stackalloc byte[MaxSendAtBytes];
        var tailLength = WriteSendAt(batch.SendAt, tail);
        context.SetPayloadLength(batch.BodyLength + tailLength);
        EncodedBatch.WriteTo(batch, context.GetBufferWriter(), tail[..tailLength]);
        context.Complete();
    }

    /// <summary>Gathers lines into one batch: segments per chunk, the size, and the receipt.</summary>
    private sealed class BatchBuilder
    {
        private readonly List<LineSegment> _segments = [];
        private readonly List<(LineChunk, int)> _oversized = [];
        private readonly List<LineChunk> _chunks = [];
        private readonly List<(string, long)> _files = [];
        private LineChunk? _chunk;
        private int _from;
        private int _to;
        private long _fileBytes;
        private string? _fileId;
        private long _next;

        public int Lines { get; private set; }

        public int Bytes { get; private set; }

        public bool HasOversized => _oversized.Count > 0;

        /// <summary>Dropped events in the batch: in its receipt, not in its body.</summary>
        public int Dropped { get; private set; }

        public void AddDropped(LineChunk chunk, int index)
        {
            CloseSegment();
            CountFile(chunk, index);
            Dropped++;
        }

        public void Add(LineChunk chunk, int index, int entryBytes)
        {
            if (!ReferenceEquals(chunk, _chunk) || index != _to)
            {
                CloseSegment();
                _chunk = chunk;
                _from = index;
            }

            _to = index + 1;
            Bytes += entryBytes;
            Count(chunk, index);
        }

        /// <summary>A line in the receipt only: the sender sets it aside.</summary>
        public void AddOversized(LineChunk chunk, int index)
        {
            CloseSegment();
            _oversized.Add((chunk, index));
            Hold(chunk);
            Count(chunk, index);
        }

        private void Count(LineChunk chunk, int index)
        {
            CountFile(chunk, index);
            Lines++;
        }

        private void CountFile(LineChunk chunk, int index)
        {
            Hold(chunk);
            ref readonly var line = ref chunk[index];
            var fileId = chunk.Origin.FileId;
            if (_fileId is not null && !string.Equals(fileId, _fileId, StringComparison.Ordinal))
            {
                _files.Add((_fileId, _next));
            }

            _fileId = fileId;
            _next = line.NextOffset;
            // As LineChunk counts it: an event held behind an older open one can end before it starts.
            _fileBytes += Math.Max(0, line.NextOffset - line.Offset);
        }

        private void Hold(LineChunk chunk)
        {
            if (_chunks.Count == 0 || !ReferenceEquals(_chunks[^1], chunk))
            {
                chunk.AddRef();
                _chunks.Add(chunk);
            }
        }

        public EncodedBatch Build()
        {
            CloseSegment();
            _files.Add((_fileId!, _next));
            var receipt = new BatchReceipt(Lines, _fileBytes, _files.ToArray(), Dropped);
            var batch = new EncodedBatch(Guid.CreateVersion7().ToString(), _segments.ToArray(), _chunks.ToArray(), Bytes, receipt)
            {
                Oversized = _oversized.ToArray(),
            };
            Clear();
            return batch;
        }

        /// <summary>Lets go of the lines gathered so far, and of the chunks they hold.</summary>
        public void Abandon()
        {
            foreach (var chunk in _chunks)
            {
                chunk.Release();
            }

            Clear();
        }

        private void Clear()
        {
            _segments.Clear();
            _oversized.Clear();
            _chunks.Clear();
            _files.Clear();
            _chunk = null;
            _fileId = null;
            _fileBytes = 0;
            Dropped = 0;
            Lines = 0;
            Bytes = 0;
        }

        private void CloseSegment()
        {
            if (_chunk is not null && _to > _from)
            {
                _segments.Add(new LineSegment(_chunk, _from, _to));
            }

            _chunk = null;
        }
    }
}
