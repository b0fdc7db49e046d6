using Microsoft.Extensions.Logging;
using RlogAgent.Collection;
using RlogAgent.Common;

namespace RlogAgent.Hosting;

/// <summary>
/// Keeps one source read: runs its collector, and when the collector's loop fails (files fail one
/// by one inside it; this is for what escapes), disposes it and starts a new one from the
/// checkpoints after a backoff. Lines the failed collector had handed on still ship; the new one
/// may read some of them again, under the same (file_id, offset), which the server stores once.
/// A source that fails <see cref="MaxFailuresInARow"/> times without a healthy run in between
/// cannot be kept alive: the supervisor gives up and its task faults, which ends the agent with a
/// non-zero exit code rather than leaving it running with a dead source.
/// </summary>
public sealed class SourceSupervisor
{
    /// <summary>Failures in a row after which the source is given up.</summary>
    public const int MaxFailuresInARow = 10;

    /// <summary>A run this long counts as healthy: the failure count starts over.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(1);

    private readonly string _label;
    private readonly Func<ISourceReader> _create;
    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ExponentialBackoff _backoff;

    public SourceSupervisor(string label, Func<ISourceReader> create, AgentCounters counters, ILogger logger, TimeProvider time, ExponentialBackoff? backoff = null)
    {
        _label = label;
        _create = create;
        _counters = counters;
        _logger = logger;
        _time = time;
        _backoff = backoff ?? new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> stops it; faults only when the source is given up.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            var started = _time.GetTimestamp();
            try
            {
                using var reader = _create();
                await reader.RunAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e.IsCancellationOf(cancellationToken))
            {
                return;
            }
            catch (Exception e)
            {
                if (_time.GetElapsedTime(started) >= HealthyRun)
                {
                    failures = 0;
                    _backoff.Reset();
                }

                failures++;
                if (failures >= MaxFailuresInARow)
                {
                    HostingLog.SourceGivenUp(_logger, _label, failures, e.Message);
                    throw new SourceFailedException(_label, failures, e);
                }

                _counters.AddSourceRestart();
                var delay = _backoff.Next();
                HostingLog.SourceRestarting(_logger, _label, e.Message, Configuration.DurationText.Format(delay));
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
