namespace RlogServer.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Opened {Engine} database {Location}, schema version {SchemaVersion}")]
    public static partial void DatabaseOpened(ILogger logger, StorageEngineKind engine, string location, int schemaVersion);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Closed database {Location}")]
    public static partial void DatabaseClosed(ILogger logger, string location);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "{Engine} schema migrated to version {Version}")]
    public static partial void MigrationApplied(ILogger logger, string engine, int version);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Retention {Retention}: removed lines received before {Cutoff} ({Lines} lines, -1 when dropped as whole day partitions), {Heartbeats} heartbeats, {Tokens} spent tokens")]
    public static partial void RetentionSwept(ILogger logger, TimeSpan retention, DateTimeOffset cutoff, long lines, long heartbeats, long tokens);

    [LoggerMessage(EventId = 405, Level = LogLevel.Error, Message = "Retention sweep failed; the next one runs as planned")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);
}
