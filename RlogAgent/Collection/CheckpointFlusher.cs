using Microsoft.Extensions.Logging;

namespace RlogAgent.Collection;

/// <summary>
/// Writes a <see cref="CheckpointStore"/>'s confirmed checkpoints to disk while the agent runs,
/// and prunes those of long-gone files. It wakes on a change, then waits out
/// <see cref="FlushInterval"/> so that a burst is written once, or when the hourly prune is due;
/// an idle agent sleeps. The final flush after the drain is the runner's.
/// </summary>
public sealed class CheckpointFlusher
{
    /// <summary>How often confirmed checkpoints are written to disk while running.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often checkpoints of long-gone files are pruned while running.</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly CheckpointStore _checkpoints;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public CheckpointFlusher(CheckpointStore checkpoints, ILogger logger, TimeProvider time)
    {
        _checkpoints = checkpoints;
        _logger = logger;
        _time = time;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; <paramref name="ticked"/> after each pass.</summary>
    public async Task RunAsync(Action ticked, CancellationToken cancellationToken)
    {
        var lastPrune = _time.GetTimestamp();
        Task? changed = null;
        try
        {
            while (true)
            {
                var pruneDue = PruneInterval - _time.GetElapsedTime(lastPrune);
                changed ??= _checkpoints.WaitForChangeAsync(cancellationToken);
                if (pruneDue > TimeSpan.Zero && await Task.WhenAny(changed, Task.Delay(pruneDue, _time, cancellationToken)).ConfigureAwait(false) == changed)
                {
                    await changed.ConfigureAwait(false);
                    changed = null;
                    await Task.Delay(FlushInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    lastPrune = _time.GetTimestamp();
                    var pruned = _checkpoints.Prune();
                    if (pruned > 0)
                    {
                        CollectionLog.CheckpointsPruned(_logger, pruned, CheckpointStore.PruneAfter.TotalDays);
                    }
                }

                _checkpoints.Flush();
                ticked();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the final flush follows the drain.
        }
    }
}
