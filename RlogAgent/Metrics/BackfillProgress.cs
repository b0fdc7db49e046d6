using Microsoft.Extensions.Logging;
using RlogAgent.Common;

namespace RlogAgent.Metrics;

/// <summary>
/// While the agent is far behind its files (a first start on big logs, or after being stopped a
/// while), logs a progress line every <see cref="Interval"/>: read rate and bytes remaining; and
/// one line when it has caught up. Quiet otherwise, so a steady agent's log stays about events.
/// </summary>
public sealed class BackfillProgress
{
    /// <summary>How often progress is checked and, during a backfill, logged.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Unread bytes across all files above which the agent counts as backfilling.</summary>
    public const long DefaultThresholdBytes = 8L * 1024 * 1024;

    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _thresholdBytes;
    private long _lastLines;
    private long _lastBytes;
    private long _lastTimestamp;
    private bool _reporting;

    public BackfillProgress(AgentCounters counters, ILogger logger, TimeProvider time, long thresholdBytes = DefaultThresholdBytes)
    {
        _counters = counters;
        _logger = logger;
        _time = time;
        _thresholdBytes = thresholdBytes;
        _lastLines = counters.LinesRead;
        _lastBytes = counters.BytesRead;
        _lastTimestamp = time.GetTimestamp();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: nothing to report any more, and nothing to restart.
        }
    }

    /// <summary>One check: logs progress when the lag is above the threshold, and once when it falls below again.</summary>
    public void Tick()
    {
        var now = _time.GetTimestamp();
        var seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        var lines = _counters.LinesRead;
        var bytes = _counters.BytesRead;
        var lag = _counters.FileLag.ToArray();
        var remaining = lag.Sum(l => l.Value);
        if (remaining > _thresholdBytes && seconds > 0)
        {
            MetricsLog.BackfillProgress(_logger, (lines - _lastLines) / seconds, (bytes - _lastBytes) / seconds, remaining, lag.Count(l => l.Value > 0));
            _reporting = true;
        }
        else if (_reporting && remaining <= _thresholdBytes)
        {
            MetricsLog.BackfillDone(_logger, remaining);
            _reporting = false;
        }

        _lastLines = lines;
        _lastBytes = bytes;
        _lastTimestamp = now;
    }
}
