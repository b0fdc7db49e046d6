using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Grpc.Core;
using RlogAgent.Collection;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// Encodes lines straight into the wire form of <c>rlog.v1.LogBatch</c>, without building a
/// <c>Log</c> and a <c>Timestamp</c> object per line or measuring each message twice as the
/// generated serializer does: the per-file strings (label, source, file_id) are encoded once while
/// they repeat, each line's text once. Fields are written in field-number order and default values
/// are left out, as protobuf's own encoders do, so the bytes are what the generated code would send.
/// </summary>
public static class LogBatchEncoder
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
    private const byte SecondsTag = 1 << 3;
    private const byte NanosTag = 2 << 3;

    /// <summary>
    /// Largest encoded <c>Log</c> the agent puts on the wire: a batch carrying only it stays under the
    /// contract's 4 MiB message limit with room for its batch_id (a split part's longer one too) and
    /// send_at. A longer line (a long piece of invalid UTF-8, each bad byte three bytes as U+FFFD) is
    /// left out of the batch and set aside: resending it could only be refused again, forever.
    /// </summary>
    public const int MaxLogBytes = GrpcChannelFactory.MaxMessageBytes - 256;

    /// <summary>The client-streaming Send method with this encoding for requests.</summary>
    public static readonly Method<EncodedBatch, Google.Protobuf.WellKnownTypes.Empty> SendMethod = new(
        MethodType.ClientStreaming,
        "rlog.v1.LogService",
        "Send",
        Marshallers.Create<EncodedBatch>(Serialize, _ => throw new NotSupportedException("the agent only sends batches")),
        Marshallers.Create<Google.Protobuf.WellKnownTypes.Empty>(
            (_, context) => context.Complete([]),
            context => Google.Protobuf.WellKnownTypes.Empty.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    /// <summary>Cuts <paramref name="lines"/> into batches of at most <paramref name="maxBytes"/> encoded bytes each.</summary>
    public static List<EncodedBatch> Encode(LogLine[] lines, int maxBytes)
    {
        var batches = new List<EncodedBatch>(1);
        var sizes = new int[lines.Length];
        var fields = new FileFields();
        var start = 0;
        var total = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            fields.Update(lines[i]);
            var log = LogSize(lines[i], ref fields, out var textBytes);
            sizes[i] = textBytes;
            var entry = 1 + VarintSize((uint)log) + log;
            if (entry > MaxLogBytes)
            {
                // Stays in the batch's receipt (its checkpoint moves with the batch), not in its body.
                sizes[i] = Oversized;
                continue;
            }

            if (i > start && total + entry > maxBytes)
            {
                batches.Add(Build(lines, start, i, sizes, total));
                start = i;
                total = 0;
            }

            total += entry;
        }

        if (lines.Length > start)
        {
            batches.Add(Build(lines, start, lines.Length, sizes, total));
        }

        return batches;
    }

    /// <summary>Marks a line in the sizes array as left out of the body.</summary>
    private const int Oversized = -1;

    private static EncodedBatch Build(LogLine[] lines, int start, int end, int[] textSizes, int logsBytes)
    {
        List<LogLine>? oversized = null;
        var id = Guid.CreateVersion7().ToString();
        var body = new byte[1 + 1 + id.Length + logsBytes];
        var span = body.AsSpan();
        var at = 0;
        span[at++] = BatchIdTag;
        span[at++] = (byte)id.Length;
        at += Encoding.ASCII.GetBytes(id, span[at..]);

        var fields = new FileFields();
        var files = new List<(string, long)>();
        long budget = 0;
        long fileBytes = 0;
        for (var i = start; i < end; i++)
        {
            ref readonly var line = ref lines[i];
            if (fields.Update(line) && i > start)
            {
                files.Add((lines[i - 1].FileId, lines[i - 1].NextOffset));
            }

            budget += LogPipeline.CostOf(line);
            fileBytes += line.NextOffset - line.Offset;
            if (textSizes[i] == Oversized)
            {
                (oversized ??= []).Add(line);
                continue;
            }

            span[at++] = LogsTag;
            at += WriteVarint(span[at..], (uint)LogSize(line, ref fields, textSizes[i]));
            at += WriteString(span[at..], LabelTag, fields.LabelBytes);
            if (textSizes[i] > 0)
            {
                span[at++] = LineTag;
                at += WriteVarint(span[at..], (uint)textSizes[i]);
                at += Encoding.UTF8.GetBytes(line.Text, span[at..]);
            }

            span[at++] = TimestampTag;
            span[at++] = (byte)fields.TimestampBytes.Length;
            fields.TimestampBytes.CopyTo(span[at..]);
            at += fields.TimestampBytes.Length;
            at += WriteString(span[at..], SourceTag, fields.SourceBytes);
            at += WriteString(span[at..], FileIdTag, fields.FileIdBytes);
            if (line.Offset != 0)
            {
                span[at++] = OffsetTag;
                at += WriteVarint(span[at..], (ulong)line.Offset);
            }
        }

        files.Add((lines[end - 1].FileId, lines[end - 1].NextOffset));
        if (at != body.Length)
        {
            throw new InvalidOperationException($"encoded {at} bytes, expected {body.Length}");
        }

        return new EncodedBatch(id, body, new BatchReceipt(end - start, budget, fileBytes, files)) { Oversized = oversized ?? [] };
    }

    /// <summary>The whole LogBatch message as it goes on the wire: the body, then send_at.</summary>
    public static byte[] ToMessageBytes(EncodedBatch batch)
    {
        Span<byte> tail = stackalloc byte[MaxSendAtBytes];
        var tailLength = WriteSendAt(batch.SendAt, tail);
        var bytes = new byte[batch.Body.Length + tailLength];
        batch.Body.CopyTo(bytes, 0);
        tail[..tailLength].CopyTo(bytes.AsSpan(batch.Body.Length));
        return bytes;
    }

    private const int MaxSendAtBytes = 2 + 24;

    private static void Serialize(EncodedBatch batch, SerializationContext context)
    {
        Span<byte> tail = stackalloc byte[MaxSendAtBytes];
        var tailLength = WriteSendAt(batch.SendAt, tail);
        context.SetPayloadLength(batch.Body.Length + tailLength);
        var writer = context.GetBufferWriter();
        writer.Write(batch.Body);
        writer.Write(tail[..tailLength]);
        context.Complete();
    }

    private static int WriteSendAt(DateTimeOffset sendAt, Span<byte> span)
    {
        span[0] = SendAtTag;
        var length = EncodeTimestamp(sendAt.UtcDateTime, span[2..]);
        span[1] = (byte)length;
        return 2 + length;
    }

    private static int LogSize(in LogLine line, ref FileFields fields, out int textBytes)
    {
        textBytes = Encoding.UTF8.GetByteCount(line.Text);
        return LogSize(line, ref fields, textBytes);
    }

    private static int LogSize(in LogLine line, ref FileFields fields, int textBytes)
    {
        var size = fields.FixedBytes + 2 + fields.TimestampBytes.Length;
        if (textBytes > 0)
        {
            size += 1 + VarintSize((uint)textBytes) + textBytes;
        }

        if (line.Offset != 0)
        {
            size += 1 + VarintSize((ulong)line.Offset);
        }

        return size;
    }

    private static int WriteString(Span<byte> span, byte tag, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return 0;
        }

        span[0] = tag;
        var at = 1 + WriteVarint(span[1..], (uint)bytes.Length);
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }

    private static int StringSize(byte[] bytes) => bytes.Length == 0 ? 0 : 1 + VarintSize((uint)bytes.Length) + bytes.Length;

    private static int EncodeTimestamp(DateTime utc, Span<byte> span)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var seconds = ticks / TimeSpan.TicksPerSecond;
        var nanos = (int)(ticks % TimeSpan.TicksPerSecond) * 100;
        var at = 0;
        if (seconds != 0)
        {
            span[at++] = SecondsTag;
            at += WriteVarint(span[at..], (ulong)seconds);
        }

        if (nanos != 0)
        {
            span[at++] = NanosTag;
            at += WriteVarint(span[at..], (uint)nanos);
        }

        return at;
    }

    private static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            span[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[at++] = (byte)value;
        return at;
    }

    /// <summary>The encoded per-file strings and read time, recomputed only when the file or time changes.</summary>
    private struct FileFields
    {
        private string? _label;
        private string? _source;
        private string? _fileId;
        private DateTime _readAt;

        public byte[] LabelBytes;
        public byte[] SourceBytes;
        public byte[] FileIdBytes;
        public byte[] TimestampBytes;
        public int FixedBytes;

        /// <summary>Takes the line's file and time; true when the file changed.</summary>
        public bool Update(in LogLine line)
        {
            var fileChanged = false;
            if (!ReferenceEquals(line.Label, _label) || !ReferenceEquals(line.Source, _source) || !ReferenceEquals(line.FileId, _fileId))
            {
                fileChanged = _fileId is not null && !string.Equals(line.FileId, _fileId, StringComparison.Ordinal);
                _label = line.Label;
                _source = line.Source;
                _fileId = line.FileId;
                LabelBytes = Encoding.UTF8.GetBytes(line.Label);
                SourceBytes = Encoding.UTF8.GetBytes(line.Source);
                FileIdBytes = Encoding.UTF8.GetBytes(line.FileId);
                FixedBytes = StringSize(LabelBytes) + StringSize(SourceBytes) + StringSize(FileIdBytes);
            }

            if (TimestampBytes is null || line.ReadAtUtc != _readAt)
            {
                _readAt = line.ReadAtUtc;
                Span<byte> scratch = stackalloc byte[24];
                TimestampBytes = scratch[..EncodeTimestamp(line.ReadAtUtc, scratch)].ToArray();
            }

            return fileChanged;
        }
    }
}
