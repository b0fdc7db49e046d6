using Microsoft.Extensions.Logging;

namespace RlogAgent.Metrics;

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Serving Prometheus metrics on {Url}, probes on {LivenessPath} and {ReadinessPath}")]
    public static partial void Serving(ILogger logger, string url, string livenessPath, string readinessPath);

    [LoggerMessage(EventId = 502, Level = LogLevel.Error, Message = "Cannot serve metrics on {Listen}: {Reason}; the agent runs on without the endpoint")]
    public static partial void CannotServe(ILogger logger, string listen, string reason, Exception exception);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Backfill: {LinesPerSecond:F0} lines/s, {BytesPerSecond:F0} bytes/s read; {BytesRemaining} bytes remaining in {Files} files")]
    public static partial void BackfillProgress(ILogger logger, double linesPerSecond, double bytesPerSecond, long bytesRemaining, int files);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Backfill done: {BytesRemaining} bytes remaining")]
    public static partial void BackfillDone(ILogger logger, long bytesRemaining);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Stopping the metrics endpoint failed: {Reason}")]
    public static partial void StopFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 506, Level = LogLevel.Error, Message = "The metrics endpoint stopped serving: {Reason}; the agent ships on without metrics and probes")]
    public static partial void ServingFailed(ILogger logger, string reason, Exception exception);
}
