using System.Runtime.InteropServices;

namespace RlogAgent.Pipeline;

/// <summary>
/// One line (or event) of a <see cref="LineChunk"/>: where its text sits in the chunk's buffer and
/// what names it forever, <c>(file_id, Offset)</c>. <see cref="NextOffset"/> is where the next line
/// starts in the file; the checkpoint moves there once the server confirms this line.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct LineEntry
{
    /// <summary>Start of the text in the chunk's buffer.</summary>
    public int Start;

    /// <summary>Bytes of text (UTF-8 as read; invalid sequences are repaired when encoded).</summary>
    public int Length;

    /// <summary>Byte offset of the line's first byte in its file.</summary>
    public long Offset;

    /// <summary>Byte offset just past the line's terminator (or past the last record of an event).</summary>
    public long NextOffset;

    /// <summary>The event's own time in 100 ns ticks since the epoch, from its record; 0: the chunk's read time.</summary>
    public long TimeTicks;

    /// <summary>Which stream the record came from, when its format says.</summary>
    public LogIoStream Stream;

    /// <summary>OpenTelemetry SeverityNumber (1-24) parsed from the event; 0 when it has none.</summary>
    public byte Severity;

    /// <summary>True when a <c>drop</c> rule matched: not shipped, but confirmed with its neighbours.</summary>
    public bool Dropped;

    /// <summary>The level as the event wrote it (<c>warning</c>, <c>E</c>); null when it has none. Shared, not per event.</summary>
    public string? SeverityText;

    /// <summary>
    /// The event's own attributes (fields a parser took from it), already in wire form: whole
    /// <c>Log.attributes</c> map entries. Null when it has none.
    /// </summary>
    public byte[]? Attributes;
}
