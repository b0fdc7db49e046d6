using System.Buffers;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// Builds an event's own attributes directly in wire form (<c>Log.attributes</c> map entries), from
/// the UTF-8 a parser found: no string per field, and one array per event that has fields.
/// </summary>
public sealed class AttributeBytes
{
    private const byte AttributesTag = (7 << 3) | 2;
    private const byte KeyTag = (1 << 3) | 2;
    private const byte ValueTag = (2 << 3) | 2;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    /// <summary>Entries added since the last <see cref="Take"/>.</summary>
    public int Count { get; private set; }

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var entry = Field(key.Length) + Field(value.Length);
        var span = _buffer.GetSpan(1 + 5 + entry);
        var at = 0;
        span[at++] = AttributesTag;
        at += Varint(span[at..], (uint)entry);
        at += Write(span[at..], KeyTag, key);
        at += Write(span[at..], ValueTag, value);
        _buffer.Advance(at);
        Count++;
    }

    /// <summary>The entries as one array (null when there are none), and a fresh start.</summary>
    public byte[]? Take()
    {
        var bytes = Count == 0 ? null : _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();
        Count = 0;
        return bytes;
    }

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        Count = 0;
    }

    private static int Field(int length) => length == 0 ? 0 : 1 + VarintSize((uint)length) + length;

    private static int Write(Span<byte> span, byte tag, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return 0;
        }

        span[0] = tag;
        var at = 1 + Varint(span[1..], (uint)bytes.Length);
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }

    private static int VarintSize(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int Varint(Span<byte> span, uint value)
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
}
