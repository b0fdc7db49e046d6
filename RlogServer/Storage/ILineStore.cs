using Rlog.V1;

namespace RlogServer.Storage;

/// <summary>
/// Stored log lines. <c>(agent_uuid, file_id, offset)</c> is unique: a line already held is
/// counted as a duplicate and left as it is. Every engine implements this the same way; the
/// tests run each against both.
/// </summary>
public interface ILineStore
{
    /// <summary>
    /// Stores every line of <paramref name="batch"/> in one transaction and returns once it is
    /// committed: only then may the caller answer OK.
    /// </summary>
    Task<BatchStoreResult> StoreBatchAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default);

    /// <summary>Counts stored lines, of one agent or of all.</summary>
    long CountLines(string? agentUuid = null);

    /// <summary>Reads stored lines in the order they were stored, of one agent or of all.</summary>
    IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null);

    /// <summary>Counts stored lines per label, most lines first.</summary>
    IReadOnlyList<LabelCount> CountLinesByLabel();

    /// <summary>
    /// The newest <see cref="LineQuery.Limit"/> lines matching <paramref name="query"/> by event
    /// time, returned oldest first (newest last).
    /// </summary>
    Task<IReadOnlyList<StoredLine>> QueryAsync(LineQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lines matching <paramref name="query"/> with an id above <paramref name="afterId"/>, in id
    /// order, at most <see cref="LineQuery.Limit"/>: what <c>query --follow</c> polls for.
    /// </summary>
    Task<IReadOnlyList<StoredLine>> ReadAfterAsync(LineQuery query, long afterId, CancellationToken cancellationToken = default);

    /// <summary>The highest line id stored so far, 0 when there is none.</summary>
    Task<long> MaxIdAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes lines received before <paramref name="cutoff"/> (whole days on engines that
    /// partition by day); returns how many went, or -1 when the engine cannot tell cheaply.
    /// </summary>
    Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
