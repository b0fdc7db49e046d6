namespace RlogServer.Services;

internal static partial class AgentHealthServiceLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Heartbeat from agent {AgentUuid}: cpu {Cpu}%, memory {Memory}%, {LinesRead} lines read, {LinesConfirmed} confirmed, {BatchesUnconfirmed} batches unconfirmed")]
    public static partial void HeartbeatRecorded(ILogger logger, string agentUuid, double cpu, double memory, ulong linesRead, ulong linesConfirmed, ulong batchesUnconfirmed);
}
