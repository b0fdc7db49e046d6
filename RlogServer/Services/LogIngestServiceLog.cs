namespace RlogServer.Services;

internal static partial class LogIngestServiceLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Send from agent {AgentUuid} stored: {Batches} batches, {LinesStored} lines stored, {Duplicates} duplicates, in {ElapsedMs} ms")]
    public static partial void SendCompleted(ILogger logger, string agentUuid, int batches, long linesStored, long duplicates, long elapsedMs);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Send from agent {AgentUuid} ended by the agent after {Batches} committed batches, {LinesStored} lines stored, {Duplicates} duplicates")]
    public static partial void SendAborted(ILogger logger, string agentUuid, int batches, long linesStored, long duplicates);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Send from agent {AgentUuid} refused after {Batches} committed batches, {LinesStored} lines stored, {Duplicates} duplicates: {Reason}")]
    public static partial void SendRefused(ILogger logger, string agentUuid, int batches, long linesStored, long duplicates, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Send from agent {AgentUuid} failed to store a batch after {Batches} committed batches, {LinesStored} lines stored, {Duplicates} duplicates")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string agentUuid, int batches, long linesStored, long duplicates);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Send from agent {AgentUuid} ended by server shutdown after {Batches} committed batches, {LinesStored} lines stored, {Duplicates} duplicates")]
    public static partial void SendEndedByShutdown(ILogger logger, string agentUuid, int batches, long linesStored, long duplicates);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Send from agent {AgentUuid} refused: it already has {MaxCalls} calls open (RESOURCE_EXHAUSTED)")]
    public static partial void TooManyCalls(ILogger logger, string agentUuid, int maxCalls);
}
