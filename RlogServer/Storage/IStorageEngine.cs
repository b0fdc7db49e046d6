namespace RlogServer.Storage;

/// <summary>
/// One database engine behind the three stores: SQLite (embedded, one process) or PostgreSQL
/// (any number of replicas). Opening it creates or upgrades the schema.
/// </summary>
public interface IStorageEngine : IDisposable
{
    /// <summary>Which engine this is.</summary>
    StorageEngineKind Kind { get; }

    /// <summary>Where the database is, safe to print: a file path, or a DSN without its password.</summary>
    string Location { get; }

    /// <summary>The schema version the database is at.</summary>
    int SchemaVersion { get; }

    ILineStore Lines { get; }

    IAgentStore Agents { get; }

    IHeartbeatStore Heartbeats { get; }

    /// <summary>The console's searches, fleet and sessions.</summary>
    Console.IConsoleStore Console { get; }

    /// <summary>Throws when the database cannot answer a trivial query (the health check).</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}
