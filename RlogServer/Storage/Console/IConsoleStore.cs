namespace RlogServer.Storage.Console;

/// <summary>
/// What the console reads and keeps: searches over lines, the fleet's agents and heartbeats,
/// and viewers' sessions. Every engine implements it the same way; the tests run each
/// against both.
/// </summary>
public interface IConsoleStore
{
    /// <summary>
    /// How long one search may run before the database cancels it (the API then answers 503).
    /// PostgreSQL honours it; on SQLite each regex match has its own limit instead.
    /// </summary>
    TimeSpan QueryTimeout { get; set; }

    /// <summary>
    /// At most <paramref name="limit"/> lines matching <paramref name="filter"/> in
    /// <paramref name="range"/>, newest event time first (ties: highest id first), older than
    /// <paramref name="after"/> when it is given.
    /// </summary>
    Task<IReadOnlyList<StoredLine>> SearchAsync(
        LineFilter filter, TimeRange range, LinePosition? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many matching lines fall in each of <paramref name="buckets"/> equal parts of
    /// <paramref name="range"/>, oldest first.
    /// </summary>
    Task<long[]> HistogramAsync(LineFilter filter, TimeRange range, int buckets, CancellationToken cancellationToken = default);

    /// <summary>The line with id <paramref name="id"/>, or null.</summary>
    Task<StoredLine?> FindLineAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="before"/> lines before <paramref name="line"/> and
    /// <paramref name="after"/> after it, from its agent and file, by offset.
    /// </summary>
    Task<LineContext> ContextAsync(StoredLine line, int before, int after, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="limit"/> most frequent values of <paramref name="field"/> among matching lines.</summary>
    Task<IReadOnlyList<FacetCount>> FacetAsync(
        LineFilter filter, TimeRange range, FacetField field, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Matching lines with an id above <paramref name="afterId"/> that arrived at or after
    /// <paramref name="receivedSince"/> (roughly: it only lets an engine skip old data), in id
    /// order, at most <paramref name="limit"/>: what a live tail polls for.
    /// </summary>
    Task<IReadOnlyList<StoredLine>> ReadAfterAsync(
        LineFilter filter, long afterId, DateTimeOffset receivedSince, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Why <paramref name="pattern"/> is not a regular expression this engine's <c>regex</c>
    /// filter takes, or null when it is one.
    /// </summary>
    Task<string?> RegexErrorAsync(string pattern, CancellationToken cancellationToken = default);

    /// <summary>Every agent that ever registered, by hostname.</summary>
    Task<IReadOnlyList<AgentSummary>> AgentsAsync(CancellationToken cancellationToken = default);

    /// <summary>One agent's heartbeats received in <paramref name="range"/>, oldest first.</summary>
    Task<IReadOnlyList<StoredHeartbeat>> HeartbeatsAsync(string agentUuid, TimeRange range, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="agentUuid"/> was heard from at <paramref name="at"/> (never moves it back).</summary>
    Task TouchAgentAsync(string agentUuid, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Stores a viewer's session, known by the hash of its id.</summary>
    Task CreateSessionAsync(byte[] sessionHash, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Whether the session hashed as <paramref name="sessionHash"/> exists and has not expired by <paramref name="now"/>.</summary>
    Task<bool> IsSessionLiveAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ends a session; also removes sessions expired by <paramref name="now"/>.</summary>
    Task DeleteSessionAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default);
}
