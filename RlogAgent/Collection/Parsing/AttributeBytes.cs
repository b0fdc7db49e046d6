using System.Buffers;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// Builds an event's own attributes directly in wire form (<c>Log.attributes</c> map entries), from
/// the UTF-8 a parser found: no string per field, and one array per event that has fields.
/// </summary>
public sealed class AttributeBytes
{
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

        var span = _buffer.GetSpan(ProtobufWire.AttributeSize(key.Length, value.Length));
        _buffer.Advance(ProtobufWire.WriteAttribute(span, key, value));
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
}
