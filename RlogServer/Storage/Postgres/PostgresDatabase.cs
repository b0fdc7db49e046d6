using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The PostgreSQL engine: a pooled Npgsql data source shared by the three stores. Nothing a
/// request needs is kept in this process, so any number of replicas can serve one database;
/// the only per-process state is caches, safe to lose: which day partitions exist, and the numbers
/// of names and files (<see cref="PostgresNames"/>), which never change once assigned.
/// </summary>
internal sealed class PostgresDatabase : IStorageEngine
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDatabase(DatabaseLocation location, ILogger logger)
    {
        var builder = new NpgsqlConnectionStringBuilder(location.ConnectionString)
        {
            // The ingest path keeps a temporary staging table on each pooled connection; the
            // DISCARD ALL a pool otherwise sends on every return would drop it every batch.
            NoResetOnClose = true,
            // Statements used over and over (ingest, token checks) are prepared on each connection.
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
        };
        // No JIT: a query here reads a few hundred rows by index, and compiling its plan (as
        // PostgreSQL does once a plan's estimated cost is high) took longer than running it.
        // A -c jit=... in the caller's own Options comes later and wins.
        builder.Options = string.IsNullOrEmpty(builder.Options) ? "-c jit=off" : "-c jit=off " + builder.Options;
        if (builder.ApplicationName is null)
        {
            builder.ApplicationName = "rlog-server";
        }

        Location = location.Display;
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        try
        {
            SchemaVersion = PostgresMigrations.Apply(_dataSource, logger);
            var partitions = new PostgresPartitions(_dataSource);
            Lines = new PostgresLineStore(_dataSource, partitions);
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }

        Agents = new PostgresAgentStore(_dataSource);
        Heartbeats = new PostgresHeartbeatStore(_dataSource);
        Console = new PostgresConsoleStore(_dataSource);
    }

    public StorageEngineKind Kind => StorageEngineKind.Postgres;

    public string Location { get; }

    public int SchemaVersion { get; }

    public ILineStore Lines { get; }

    public IAgentStore Agents { get; }

    public IHeartbeatStore Heartbeats { get; }

    public Console.IConsoleStore Console { get; }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _dataSource.Dispose();

    /// <summary>Runs a scalar query that returns a count.</summary>
    public static long Count(NpgsqlDataSource dataSource, string sql, Guid? agentUuid = null)
    {
        using var command = dataSource.CreateCommand(sql);
        if (agentUuid is { } uuid)
        {
            command.Parameters.AddWithValue(uuid);
        }

        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The uuid a caller named, or null when it is no uuid: such an agent has nothing stored,
    /// since agents are registered under canonical uuids.
    /// </summary>
    public static Guid? ParseUuid(string? text) => Guid.TryParse(text, out var uuid) ? uuid : null;
}
