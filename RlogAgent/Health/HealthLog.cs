using Microsoft.Extensions.Logging;

namespace RlogAgent.Health;

internal static partial class HealthLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Heartbeat sent: cpu {Cpu:F1} %, memory {Memory:F1} %")]
    public static partial void Sent(ILogger logger, double cpu, double memory);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Heartbeat failed ({Status}: {Detail}); the next one goes at its interval")]
    public static partial void Failed(ILogger logger, string status, string detail);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Heartbeats reach the server again")]
    public static partial void Recovered(ILogger logger);
}
