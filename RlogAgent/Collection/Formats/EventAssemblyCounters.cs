namespace RlogAgent.Collection.Formats;

/// <summary>
/// What an <see cref="EventAssembler"/> did that someone should hear of; totals since it was made
/// (not reset by <see cref="EventAssembler.Reset"/>). The assembler logs nothing: compare totals
/// before and after a call, and log or count the difference.
/// </summary>
public sealed class EventAssemblyCounters
{
    /// <summary>Lines that are not records of the source's format, shipped as they are (whole line as text, no stream, read time).</summary>
    public long UnparsedRecords { get; internal set; }

    /// <summary>File offset of the first line that did not parse; null until one does not. For a once-per-file warning.</summary>
    public long? FirstUnparsedOffset { get; internal set; }

    /// <summary>Events handed out with <see cref="AssembledEvent.Cut"/>: pieces of an event longer than max_line_bytes or max_lines.</summary>
    public long CutEvents { get; internal set; }

    /// <summary>Lines whose start_pattern match ran out of time: each was taken as the start of an event.</summary>
    public long PatternTimeouts { get; internal set; }
}
