namespace RlogServer.Storage.Console;

/// <summary>An event-time range, <c>[From, To)</c>, resolved once per request to whole milliseconds.</summary>
public readonly record struct TimeRange(DateTimeOffset From, DateTimeOffset To)
{
    public long FromMilliseconds => From.ToUnixTimeMilliseconds();

    public long ToMilliseconds => To.ToUnixTimeMilliseconds();

    /// <summary>The range's length in milliseconds.</summary>
    public long SpanMilliseconds => ToMilliseconds - FromMilliseconds;
}

/// <summary>
/// Where a page of lines (newest first) ended: the next page holds lines strictly older than
/// this event time, or as old with a lower id.
/// </summary>
public readonly record struct LinePosition(DateTimeOffset Time, long Id);
