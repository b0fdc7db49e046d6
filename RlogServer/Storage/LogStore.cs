using Microsoft.Extensions.Logging.Abstractions;
using Rlog.V1;
using RlogServer.Storage.Postgres;
using RlogServer.Storage.Sqlite;

namespace RlogServer.Storage;

/// <summary>
/// The server's database, whichever engine <c>--db</c> names: its line, agent and heartbeat
/// stores, and shortcuts to what tests and the command line read most.
/// </summary>
public sealed class LogStore : IDisposable
{
    private readonly IStorageEngine _engine;
    private readonly ILogger _logger;

    /// <summary>
    /// Opens <paramref name="database"/>: a file path (SQLite, created when missing) or a
    /// PostgreSQL DSN (see <see cref="DatabaseLocation"/>), creating or upgrading its schema.
    /// </summary>
    public LogStore(string database, ILogger<LogStore>? logger = null)
        : this(DatabaseLocation.Parse(database), logger)
    {
    }

    /// <summary>Opens the database at <paramref name="location"/>.</summary>
    public LogStore(DatabaseLocation location, ILogger<LogStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _engine = location.Kind switch
        {
            StorageEngineKind.Postgres => new PostgresDatabase(location, _logger),
            _ => new SqliteDatabase(location.ConnectionString, _logger),
        };
        StorageLog.DatabaseOpened(_logger, _engine.Kind, _engine.Location, _engine.SchemaVersion);
    }

    /// <summary>Which engine holds the data.</summary>
    public StorageEngineKind Kind => _engine.Kind;

    /// <summary>The database file, or the DSN without its password.</summary>
    public string Location => _engine.Location;

    /// <summary>The schema version the database is at.</summary>
    public int SchemaVersion => _engine.SchemaVersion;

    public ILineStore Lines => _engine.Lines;

    public IAgentStore Agents => _engine.Agents;

    public IHeartbeatStore Heartbeats => _engine.Heartbeats;

    /// <summary>The console's searches, fleet and sessions.</summary>
    public Console.IConsoleStore Console => _engine.Console;

    /// <summary>Throws when the database cannot answer.</summary>
    public Task PingAsync(CancellationToken cancellationToken = default) => _engine.PingAsync(cancellationToken);

    /// <inheritdoc cref="ILineStore.StoreBatchAsync"/>
    public Task<BatchStoreResult> StoreBatchAsync(string agentUuid, LogBatch batch, DateTimeOffset receivedAt, CancellationToken cancellationToken = default) =>
        Lines.StoreBatchAsync(agentUuid, batch, receivedAt, cancellationToken);

    /// <inheritdoc cref="ILineStore.CountLines"/>
    public long CountLines(string? agentUuid = null) => Lines.CountLines(agentUuid);

    /// <inheritdoc cref="ILineStore.ReadLines"/>
    public IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null) => Lines.ReadLines(agentUuid);

    /// <summary>The last <paramref name="count"/> lines stored (by event time), oldest first.</summary>
    public Task<IReadOnlyList<StoredLine>> ReadLastLinesAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Lines.QueryAsync(new LineQuery { Limit = count }, cancellationToken);
    }

    /// <inheritdoc cref="ILineStore.CountLinesByLabel"/>
    public IReadOnlyList<LabelCount> CountLinesByLabel() => Lines.CountLinesByLabel();

    /// <inheritdoc cref="IHeartbeatStore.RecordHeartbeatAsync"/>
    public Task RecordHeartbeatAsync(string agentUuid, HeartbeatRequest heartbeat, DateTimeOffset receivedAt, CancellationToken cancellationToken = default) =>
        Heartbeats.RecordHeartbeatAsync(agentUuid, heartbeat, receivedAt, cancellationToken);

    /// <inheritdoc cref="IHeartbeatStore.CountHeartbeats"/>
    public long CountHeartbeats(string? agentUuid = null) => Heartbeats.CountHeartbeats(agentUuid);

    /// <inheritdoc cref="IHeartbeatStore.ReadHeartbeats"/>
    public IReadOnlyList<StoredHeartbeat> ReadHeartbeats(string? agentUuid = null) => Heartbeats.ReadHeartbeats(agentUuid);

    /// <inheritdoc cref="IAgentStore.AgentUuids"/>
    public IReadOnlyList<string> AgentUuids() => Agents.AgentUuids();

    /// <inheritdoc cref="IAgentStore.CountRegistrations"/>
    public long CountRegistrations(string agentUuid) => Agents.CountRegistrations(agentUuid);

    /// <summary>Closes the database.</summary>
    public void Dispose()
    {
        _engine.Dispose();
        StorageLog.DatabaseClosed(_logger, _engine.Location);
    }
}
