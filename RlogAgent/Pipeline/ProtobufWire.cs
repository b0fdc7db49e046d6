namespace RlogAgent.Pipeline;

/// <summary>
/// The pieces of protobuf's wire format that both the batch encoder and the event parsers write:
/// varints, and whole <c>Log.attributes</c> map entries (the parsers put an event's own fields on its
/// <see cref="LineEntry"/> already in that form, so the encoder only copies them).
/// </summary>
public static class ProtobufWire
{
    /// <summary>The tag of <c>Log.attributes</c> (field 7, length-delimited).</summary>
    public const byte AttributesTag = (7 << 3) | 2;

    private const byte MapKeyTag = (1 << 3) | 2;
    private const byte MapValueTag = (2 << 3) | 2;

    /// <summary>Bytes <paramref name="value"/> takes as a varint.</summary>
    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes <paramref name="value"/> as a varint; returns the bytes written.</summary>
    public static int WriteVarint(Span<byte> span, ulong value)
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

    /// <summary>Bytes one <c>Log.attributes</c> entry takes as a whole field, tag included.</summary>
    public static int AttributeSize(int keyBytes, int valueBytes)
    {
        var entry = StringFieldSize(keyBytes) + StringFieldSize(valueBytes);
        return 1 + VarintSize((uint)entry) + entry;
    }

    /// <summary>Writes one <c>Log.attributes</c> entry as a whole field; returns the bytes written (<see cref="AttributeSize"/>).</summary>
    public static int WriteAttribute(Span<byte> span, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var at = 0;
        span[at++] = AttributesTag;
        at += WriteVarint(span[at..], (uint)(StringFieldSize(key.Length) + StringFieldSize(value.Length)));
        at += WriteStringField(span[at..], MapKeyTag, key);
        at += WriteStringField(span[at..], MapValueTag, value);
        return at;
    }

    // Proto3 leaves an empty string out.
    private static int StringFieldSize(int length) => length == 0 ? 0 : 1 + VarintSize((uint)length) + length;

    private static int WriteStringField(Span<byte> span, byte tag, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return 0;
        }

        span[0] = tag;
        var at = 1 + WriteVarint(span[1..], (uint)bytes.Length);
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }
}
