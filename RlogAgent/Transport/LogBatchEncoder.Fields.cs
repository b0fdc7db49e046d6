using System.Buffers;
using System.Text;
using System.Text.Unicode;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// The fields of one <c>Log</c> as bytes: their sizes, the text (repaired to UTF-8 where it is
/// not), timestamps, the event's level and attributes, and what one file's lines share.
/// </summary>
public static partial class LogBatchEncoder
{
    private static int EntrySize(LineChunk chunk, int index, OriginFields origin, ref TimeField time)
    {
        ref readonly var line = ref chunk[index];
        var text = chunk.Text(index);
        var textBytes = chunk.AllValidUtf8 || Utf8.IsValid(text) ? text.Length : (int)LineText.EncodedLength(text);
        var log = LogSize(line, textBytes, origin, time.For(line.TimeTicks).Length);
        return 1 + VarintSize((uint)log) + log;
    }

    private static int LogSize(in LineEntry line, int textBytes, OriginFields origin, int timestampBytes)
    {
        var size = origin.FixedBytes + 2 + timestampBytes + StreamField(line.Stream).Length + EventFieldsSize(line);
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

    /// <summary>Bytes of what a parser found in the event: its attributes, severity number and text.</summary>
    private static int EventFieldsSize(in LineEntry line)
    {
        var size = line.Attributes?.Length ?? 0;
        if (line.Severity != 0)
        {
            size += 1 + VarintSize(line.Severity);
        }

        if (line.SeverityText is { Length: > 0 } text)
        {
            var bytes = Encoding.UTF8.GetByteCount(text);
            size += 1 + VarintSize((uint)bytes) + bytes;
        }

        return size;
    }

    private static int WriteEventFields(in LineEntry line, Span<byte> span)
    {
        var at = 0;
        if (line.Attributes is { } attributes)
        {
            attributes.CopyTo(span);
            at += attributes.Length;
        }

        if (line.Severity != 0)
        {
            span[at++] = SeverityNumberTag;
            at += WriteVarint(span[at..], line.Severity);
        }

        if (line.SeverityText is { Length: > 0 } text)
        {
            span[at++] = SeverityTextTag;
            at += WriteVarint(span[at..], (uint)Encoding.UTF8.GetByteCount(text));
            at += Encoding.UTF8.GetBytes(text, span[at..]);
        }

        return at;
    }

    private static ReadOnlySpan<byte> StreamField(LogIoStream stream) => stream switch
    {
        LogIoStream.Stdout => StdoutAttribute,
        LogIoStream.Stderr => StderrAttribute,
        _ => [],
    };

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> span)
    {
        text.CopyTo(span);
        return text.Length;
    }

    /// <summary>Copies valid sequences and writes U+FFFD for each invalid one, as the decoder would.</summary>
    private static int Repair(ReadOnlySpan<byte> text, Span<byte> span)
    {
        var at = 0;
        var read = 0;
        while (read < text.Length)
        {
            var status = Rune.DecodeFromUtf8(text[read..], out _, out var consumed);
            if (status == OperationStatus.Done)
            {
                text.Slice(read, consumed).CopyTo(span[at..]);
                at += consumed;
            }
            else
            {
                Replacement.CopyTo(span[at..]);
                at += Replacement.Length;
            }

            read += consumed;
        }

        return at;
    }

    private static int WriteSendAt(DateTimeOffset sendAt, Span<byte> span)
    {
        span[0] = SendAtTag;
        var length = EncodeTimestamp(sendAt.UtcDateTime.Ticks - DateTime.UnixEpoch.Ticks, span[2..]);
        span[1] = (byte)length;
        return 2 + length;
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

    /// <summary>A google.protobuf.Timestamp's fields for <paramref name="unixTicks"/> (100 ns since the epoch).</summary>
    private static int EncodeTimestamp(long unixTicks, Span<byte> span)
    {
        var seconds = Math.DivRem(unixTicks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        var nanos = (int)rest * 100;
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

    private static int VarintSize(ulong value) => ProtobufWire.VarintSize(value);

    private static int WriteVarint(Span<byte> span, ulong value) => ProtobufWire.WriteVarint(span, value);

    /// <summary>The per-file fields in wire form, made once per <see cref="LineOrigin"/> and kept on it.</summary>
    private sealed class OriginFields
    {
        private OriginFields(LineOrigin origin)
        {
            var label = Encoding.UTF8.GetBytes(origin.Label);
            var source = Encoding.UTF8.GetBytes(origin.Source);
            var fileId = Encoding.UTF8.GetBytes(origin.FileId);
            Label = new byte[StringSize(label)];
            WriteString(Label, LabelTag, label);
            SourceAndFileId = new byte[StringSize(source) + StringSize(fileId)];
            var at = WriteString(SourceAndFileId, SourceTag, source);
            WriteString(SourceAndFileId.AsSpan(at), FileIdTag, fileId);
            Attributes = origin.Attributes.SelectMany(a => Attribute(a.Key, a.Value)).ToArray();
            FixedBytes = Label.Length + SourceAndFileId.Length + Attributes.Length;
        }

        public byte[] Label { get; }

        public byte[] SourceAndFileId { get; }

        public byte[] Attributes { get; }

        public int FixedBytes { get; }

        public static OriginFields Of(LineOrigin origin)
        {
            if (origin.Encoded is OriginFields fields)
            {
                return fields;
            }

            fields = new OriginFields(origin);
            origin.Encoded = fields;
            return fields;
        }
    }

    /// <summary>The encoded timestamp of the chunk's read time, and of the last event time asked for.</summary>
    private struct TimeField
    {
        private readonly byte[] _readAt;
        private readonly byte[] _event;
        private long _lastTicks;
        private int _eventLength;

        public TimeField(DateTime readAtUtc)
        {
            Span<byte> scratch = stackalloc byte[MaxTimestampBytes];
            _readAt = scratch[..EncodeTimestamp(readAtUtc.Ticks - DateTime.UnixEpoch.Ticks, scratch)].ToArray();
            _event = new byte[MaxTimestampBytes];
            _lastTicks = 0;
            _eventLength = -1;
        }

        /// <summary>
        /// The fields of an event's own time (100 ns ticks since the epoch), or the read time for 0.
        /// Parsed events each have a time of their own: encoded into one buffer, never an array each.
        /// </summary>
        public ReadOnlySpan<byte> For(long eventTicks)
        {
            if (eventTicks == 0)
            {
                return _readAt;
            }

            if (_eventLength < 0 || eventTicks != _lastTicks)
            {
                _eventLength = EncodeTimestamp(eventTicks, _event);
                _lastTicks = eventTicks;
            }

            return _event.AsSpan(0, _eventLength);
        }
    }
}
