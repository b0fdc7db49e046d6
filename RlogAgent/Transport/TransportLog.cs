using Microsoft.Extensions.Logging;

namespace RlogAgent.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Send call confirmed: {Batches} batches, {Lines} lines")]
    public static partial void Confirmed(ILogger logger, int batches, int lines);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Send to {Server} failed ({Status}: {Detail}); {Batches} unconfirmed batches will be sent again in {Delay}")]
    public static partial void SendFailed(ILogger logger, string server, string status, string detail, int batches, string delay);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Server {Server} refused Send with {Status} ({Detail}), not a transient failure: check the server and server_addr. {Batches} unconfirmed batches are kept and sent again in {Delay}")]
    public static partial void SendRefused(ILogger logger, string server, string status, string detail, int batches, string delay);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Server reachable again; shipping resumed")]
    public static partial void Recovered(ILogger logger);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Server refused batch {BatchId} ({Status}: {Detail}): {Refused} of its {Lines} lines are set aside in {Path} and counted as rejected; the rest are stored")]
    public static partial void BatchRejected(ILogger logger, string batchId, string status, string detail, int refused, int lines, string path);

    [LoggerMessage(EventId = 305, Level = LogLevel.Critical, Message = "The idle-commit loop stopped: {Reason}. Calls are still completed every max_unconfirmed_batches and at shutdown")]
    public static partial void CommitLoopFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Server refused a call of {Batches} batches ({Status}: {Detail}); sending them one per call, splitting the refused one down to the lines it refuses")]
    public static partial void Isolating(ILogger logger, int batches, string status, string detail);

    [LoggerMessage(EventId = 307, Level = LogLevel.Information, Message = "Batch {BatchId} was refused ({Status}) but every part of it was stored when sent on its own")]
    public static partial void RefusalNotRepeated(ILogger logger, string batchId, string status);

    [LoggerMessage(EventId = 308, Level = LogLevel.Error, Message = "Server refused {Refusals} calls in a row ({Status}: {Detail}): more likely the server than the data. Nothing is set aside and no checkpoint moves; {Batches} unconfirmed batches are sent again in {Delay}")]
    public static partial void RefusingEverything(ILogger logger, int refusals, string status, string detail, int batches, string delay);

    [LoggerMessage(EventId = 309, Level = LogLevel.Error, Message = "Cannot write refused lines to {Path} ({Reason}); batch {BatchId} stays unconfirmed and is tried again in {Delay}")]
    public static partial void SetAsideFailed(ILogger logger, string path, string reason, string batchId, string delay);

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "{Limit} refusals ({Status}) in a row: sent again a line the server stored before, to tell a broken server from one source's bad lines; taken: {Taken} (true: the refused lines are set aside and the other sources go on; false: back off)")]
    public static partial void CanaryTried(ILogger logger, int limit, string status, bool taken);
}
