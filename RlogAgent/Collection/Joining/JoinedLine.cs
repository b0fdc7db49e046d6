using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Joining;

/// <summary>
/// What goes with one line handed from <see cref="PartialRecordJoiner"/> on (its text travels as a span
/// beside it): a complete record, partial records joined, or a piece of a line cut at max_line_bytes.
/// </summary>
/// <param name="Offset">The line's name: its first record's offset (plus the piece's position for a later piece of one record).</param>
/// <param name="ReadFrom">The file offset of its first record: where reading must start again to see it whole.</param>
/// <param name="NextOffset">Just past its last record's line terminator.</param>
/// <param name="Time">Its first record's time, if the format carries one.</param>
/// <param name="Stream">Its records' stream.</param>
/// <param name="EncodedBytes">An upper bound of its text's size once invalid UTF-8 is replaced (exact for valid text).</param>
/// <param name="IsTail">It is the rest of a line cut before it: it cannot join what came before.</param>
/// <param name="Continues">The line was cut after it: what follows is its rest.</param>
internal readonly record struct JoinedLine(
    long Offset,
    long ReadFrom,
    long NextOffset,
    RecordTimestamp? Time,
    LogIoStream Stream,
    long EncodedBytes,
    bool IsTail,
    bool Continues)
{
    /// <summary>Part of a line longer than max_line_bytes.</summary>
    public bool IsCut => IsTail || Continues;
}
