namespace RlogServer.Storage;

/// <summary>
/// Removes what is older than the retention: lines (whole day partitions on PostgreSQL),
/// heartbeats, and tokens spent or expired. Every replica may run it: each step is idempotent.
/// </summary>
public sealed class RetentionSweeper
{
    private readonly LogStore _store;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public RetentionSweeper(LogStore store, TimeSpan retention, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _store = store;
        _retention = retention;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Runs one sweep; returns the cutoff it used.</summary>
    public async Task<DateTimeOffset> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = _timeProvider.GetUtcNow() - _retention;
        var lines = await _store.Lines.DeleteReceivedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var heartbeats = await _store.Heartbeats.DeleteReceivedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        var tokens = await _store.Agents.DeleteSpentTokensAsync(cutoff, cancellationToken).ConfigureAwait(false);
        StorageLog.RetentionSwept(_logger, _retention, cutoff, lines, heartbeats, tokens);
        return cutoff;
    }
}
