using Microsoft.Extensions.Logging;

namespace RlogServer.Storage;

internal static partial class LogStoreLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Opened database {DatabasePath}")]
    public static partial void DatabaseOpened(ILogger logger, string databasePath);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Closed database {DatabasePath}")]
    public static partial void DatabaseClosed(ILogger logger, string databasePath);
}
