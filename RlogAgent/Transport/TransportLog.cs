using Microsoft.Extensions.Logging;

namespace RlogAgent.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Send call confirmed: {Batches} batches, {Lines} lines")]
    public static partial void Confirmed(ILogger logger, int batches, int lines);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Send failed ({Status}: {Detail}); {Batches} unconfirmed batches will be sent again in {Delay}")]
    public static partial void SendFailed(ILogger logger, string status, string detail, int batches, TimeSpan delay);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Server refused Send with {Status} ({Detail}), not a transient failure: check the server and server_addr. {Batches} unconfirmed batches are kept and sent again in {Delay}")]
    public static partial void SendRefused(ILogger logger, string status, string detail, int batches, TimeSpan delay);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Server reachable again; shipping resumed")]
    public static partial void Recovered(ILogger logger);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Server refused batch {BatchId} ({Status}: {Detail}); its {Lines} lines are skipped and counted as rejected")]
    public static partial void BatchRejected(ILogger logger, string batchId, string status, string detail, int lines);

    [LoggerMessage(EventId = 305, Level = LogLevel.Critical, Message = "The idle-commit loop stopped: {Reason}. Calls are still completed every max_unconfirmed_batches and at shutdown")]
    public static partial void CommitLoopFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Server refused a call of {Batches} batches ({Status}); sending them one per call to find the one it refuses")]
    public static partial void Isolating(ILogger logger, int batches, string status);
}
