namespace RlogServer.Storage;

/// <summary>
/// Where a reader that follows new lines by id is (<c>query --follow</c>, the console's tail). On
/// PostgreSQL ids are handed out before commit, so a lower id can still appear a moment after a
/// higher one: lines that arrived less than <see cref="Settle"/> ago are read again at the next
/// poll and given once; the low water mark moves past a line only once it has settled (or when a
/// page came back full, to move on).
/// </summary>
public sealed class FollowCursor
{
    private readonly HashSet<long> _given = [];

    /// <param name="lowWater">Lines with a higher id than this are new.</param>
    /// <param name="settle">How long after it arrived a line's id is taken as settled.</param>
    public FollowCursor(long lowWater, TimeSpan settle)
    {
        LowWater = lowWater;
        Settle = settle;
    }

    /// <summary>Read lines with an id above this.</summary>
    public long LowWater { get; private set; }

    /// <summary>How long after it arrived a line's id is taken as settled.</summary>
    public TimeSpan Settle { get; }

    /// <summary>
    /// The lines of <paramref name="found"/> (read in id order above <see cref="LowWater"/>) not
    /// given before, in order; moves <see cref="LowWater"/> past those settled by
    /// <paramref name="now"/>, or past all when <paramref name="pageFull"/>.
    /// </summary>
    public List<StoredLine> Take(IReadOnlyList<StoredLine> found, DateTimeOffset now, bool pageFull)
    {
        var settled = now - Settle;
        var newLow = LowWater;
        var fresh = new List<StoredLine>();
        foreach (var line in found)
        {
            if (_given.Add(line.Id))
            {
                fresh.Add(line);
            }

            if (line.ReceivedAt < settled || pageFull)
            {
                newLow = Math.Max(newLow, line.Id);
            }
        }

        LowWater = newLow;
        _given.RemoveWhere(id => id <= newLow);
        return fresh;
    }
}
