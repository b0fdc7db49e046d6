namespace RlogServer.Storage;

/// <summary>
/// What <c>rlog-server query</c> asks for. Every filter is optional; the time range is on the
/// event time (<c>Log.timestamp</c>, or the time the server received the line when it had none).
/// </summary>
public sealed record LineQuery
{
    /// <summary>Default for <see cref="Limit"/>.</summary>
    public const int DefaultLimit = 100;

    public string? Label { get; init; }

    public string? AgentUuid { get; init; }

    /// <summary>Only lines of agents whose last registration gave this hostname.</summary>
    public string? Host { get; init; }

    /// <summary>Inclusive lower bound on the event time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Exclusive upper bound on the event time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>A substring the line must contain (case-sensitive).</summary>
    public string? Contains { get; init; }

    /// <summary>
    /// Only lines that arrived at or after this (roughly: engines may use it to skip old data,
    /// never to drop a line that matches). Set by <c>--follow</c>, which wants new lines only.
    /// </summary>
    public DateTimeOffset? ReceivedSince { get; init; }

    /// <summary>
    /// Only events at or above this SeverityNumber (<c>--level warn</c> is 13: WARN, ERROR and
    /// FATAL); events without a level are left out. Null: every event.
    /// </summary>
    public int? MinSeverity { get; init; }

    /// <summary>Most lines returned.</summary>
    public int Limit { get; init; } = DefaultLimit;
}
