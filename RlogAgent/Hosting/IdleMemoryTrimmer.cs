using Microsoft.Extensions.Logging;
using RlogAgent.Common;
using RlogAgent.Pipeline;

namespace RlogAgent.Hosting;

/// <summary>
/// Gives memory back once the agent is at rest. With the workstation GC, gen0 is sized from the
/// CPU cache and an idle agent allocates almost nothing, so no collection runs after shipping:
/// freed regions stay committed and pools keep their buffers. Once nothing has been read or
/// confirmed for <see cref="QuietFor"/>, the line chunks' pools are dropped and one aggressive
/// collection (compacting, decommitting) runs; the next one waits for the next busy spell to end.
/// </summary>
public sealed class IdleMemoryTrimmer
{
    /// <summary>How long the agent must have read and confirmed nothing before memory is given back.</summary>
    public static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(10);

    private readonly AgentCounters _counters;
    private int _ticks;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public IdleMemoryTrimmer(AgentCounters counters, ILogger logger, TimeProvider time)
    {
        _counters = counters;
        _logger = logger;
        _time = time;
    }

    /// <summary>Checks made so far: lets a test wait for the loop to have looked.</summary>
    internal int Ticks => Volatile.Read(ref _ticks);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(QuietFor, _time);
        var last = (-1L, -1L);
        var trimmed = false;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = (_counters.LinesRead, _counters.BytesConfirmed);
                if (now != last)
                {
                    last = now;
                    trimmed = false;
                }
                else if (!trimmed)
                {
                    trimmed = true;
                    var before = Environment.WorkingSet;
                    ChunkPools.Drop();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    HostingLog.MemoryTrimmed(_logger, before / 1024, Environment.WorkingSet / 1024);
                }

                Interlocked.Increment(ref _ticks);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
