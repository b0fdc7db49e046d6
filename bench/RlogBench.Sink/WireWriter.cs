using System.Text;

namespace RlogBench.Sink;

/// <summary>Writes the few protobuf fields the unary answers need (strings, varints, a nested Timestamp).</summary>
public sealed class WireWriter
{
    private readonly MemoryStream _buffer = new();

    public WireWriter String(int field, string value)
    {
        if (value.Length == 0)
        {
            return this;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Varint(((ulong)field << 3) | 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A google.protobuf.Timestamp with whole seconds (field 1 of the nested message).</summary>
    public WireWriter Timestamp(int field, DateTimeOffset value)
    {
        var inner = new WireWriter();
        inner.Varint(1 << 3);
        inner.Varint((ulong)value.ToUnixTimeSeconds());
        var bytes = inner.ToArray();
        Varint(((ulong)field << 3) | 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
