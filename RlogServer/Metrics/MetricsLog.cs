namespace RlogServer.Metrics;

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Serving Prometheus metrics on {Url}")]
    public static partial void Serving(ILogger logger, string url);

    [LoggerMessage(EventId = 602, Level = LogLevel.Error, Message = "Cannot serve metrics on {Listen}: {Reason}; the server runs without them")]
    public static partial void CannotServe(ILogger logger, string listen, string reason);
}
