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

    /// <summary>
    /// Most fields one event ships: with a source's static and Kubernetes attributes it stays under
    /// the reference server's 128 attributes a line, so a wide JSON line is never refused for it.
    /// </summary>
    public const int MaxEntries = 48;

    /// <summary>Longest field name shipped, in bytes: the server takes 256 characters.</summary>
    public const int MaxKeyBytes = 256;

    /// <summary>Longest field value shipped, in bytes: the server takes 16,384 characters; a longer value stays in the line only.</summary>
    public const int MaxValueBytes = 16 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    /// <summary>Entries added since the last <see cref="Take"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a field; one past <see cref="MaxEntries"/>, or too long for the server, is left out (it is still in the line).</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (Count >= MaxEntries || key.Length > MaxKeyBytes || value.Length > MaxValueBytes)
        {
            return;
        }

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
