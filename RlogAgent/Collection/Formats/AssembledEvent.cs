using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>
/// One event out of an <see cref="EventAssembler"/>: what becomes one <c>Log</c> on the wire.
/// A ref struct handed to <see cref="IEventSink.OnEvent"/>: <see cref="Text"/> is valid only during that call.
/// </summary>
public readonly ref struct AssembledEvent
{
    internal AssembledEvent(ReadOnlySpan<byte> text, RecordTimestamp? time, LogIoStream stream, long offset, long nextOffset, long resumeOffset, bool cut)
    {
        Text = text;
        Time = time;
        Stream = stream;
        Offset = offset;
        NextOffset = nextOffset;
        ResumeOffset = resumeOffset;
        Cut = cut;
    }

    /// <summary>
    /// The event's text as UTF-8 bytes: a record's message, partial records joined, a multi-line event's
    /// lines joined by <c>\n</c>. Invalid UTF-8 is passed on as it was read; once the caller decodes it
    /// (invalid sequences become U+FFFD) it encodes to at most max_line_bytes. Valid only during the call.
    /// </summary>
    public ReadOnlySpan<byte> Text { get; }

    /// <summary>The time of the event's first record when the format carries one (cri, docker); null otherwise: use the read time.</summary>
    public RecordTimestamp? Time { get; }

    /// <summary>The stream of the event's records; <see cref="LogIoStream.None"/> for plain lines and records that do not parse.</summary>
    public LogIoStream Stream { get; }

    /// <summary>
    /// The event's name in its file, the wire's <c>offset</c>: the file offset of its first record's first
    /// byte. For the second and later pieces of one record longer than max_line_bytes, that offset plus
    /// the piece's byte position in the record's decoded message: still inside the record's bytes, so
    /// (file_id, offset) stays unique, and the same when the file is read again.
    /// </summary>
    public long Offset { get; }

    /// <summary>
    /// The file offset just past the line terminator of the event's last record. Informational: when
    /// stdout and stderr records interleave, other events' records lie between <see cref="Offset"/> and
    /// this, so it is not where reading may resume: that is <see cref="ResumeOffset"/>.
    /// </summary>
    public long NextOffset { get; }

    /// <summary>
    /// Where reading the file may start again once this event and every event handed out before it are
    /// stored: the offset of the earliest record not wholly handed out by then. A checkpoint moves here
    /// (this is what goes where a plain line's next offset goes). Never decreases from one event to the next.
    /// </summary>
    public long ResumeOffset { get; }

    /// <summary>
    /// True when the event is part of a longer one: cut at max_line_bytes or after max_lines, or the rest
    /// that follows such a cut. Each is counted in <see cref="EventAssemblyCounters.CutEvents"/>.
    /// </summary>
    public bool Cut { get; }
}
