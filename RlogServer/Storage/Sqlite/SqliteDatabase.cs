using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>
/// The SQLite engine: one long-lived writer connection serves every write, one at a time,
/// behind one lock (here, once, for the three stores); reads open pooled connections of their
/// own, which WAL mode lets run beside the writer. Opening it applies the migrations the file lacks.
/// </summary>
internal sealed class SqliteDatabase : IStorageEngine
{
    private readonly string _path;
    private readonly string _readConnectionString;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteConnection _writer;
    private readonly SqliteLineStore _lines;
    private bool _disposed;

    public SqliteDatabase(string path, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _logger = logger;
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // The writer is never pooled: it lives as long as the store, and closing it at
        // dispose must really close the file (and checkpoint the WAL).
        _writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
        }.ToString();

        try
        {
            _writer.Open();
            // FULL: an OK answer to Send lets the agent advance its checkpoints, so a
            // committed batch must survive a power cut, not only a process crash.
            Execute(_writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;");
            SchemaVersion = SqliteMigrations.Apply(_writer, _logger);
            _lines = new SqliteLineStore(this);
        }
        catch
        {
            _writer.Dispose();
            throw;
        }

        Agents = new SqliteAgentStore(this);
        Heartbeats = new SqliteHeartbeatStore(this);
        Console = new SqliteConsoleStore(this);
    }

    public StorageEngineKind Kind => StorageEngineKind.Sqlite;

    public string Location => _path;

    public int SchemaVersion { get; }

    public ILineStore Lines => _lines;

    public IAgentStore Agents { get; }

    public IHeartbeatStore Heartbeats { get; }

    public Console.IConsoleStore Console { get; }

    /// <summary>The writer connection, for statements prepared once; use it only inside <see cref="WriteAsync{T}"/>.</summary>
    internal SqliteConnection Writer => _writer;

    public Task PingAsync(CancellationToken cancellationToken = default)
    {
        Read(connection => Scalar(connection, "SELECT 1"));
        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="work"/> on the writer connection, alone.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_writer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the writer connection, alone, blocking.</summary>
    public T Write<T>(Func<SqliteConnection, T> work)
    {
        _writeLock.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_writer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read connection.</summary>
    public T Read<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return work(connection);
    }

    public void Dispose()
    {
        // Waiting for the lock lets a write in progress commit before the connection goes.
        _writeLock.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _lines.DisposeStatements();
            _writer.Dispose();
            using (var reader = new SqliteConnection(_readConnectionString))
            {
                SqliteConnection.ClearPool(reader);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = Command(connection, sql, transaction);
        command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, string sql, string? agentUuid = null, SqliteTransaction? transaction = null)
    {
        using var command = Command(connection, sql, transaction);
        if (agentUuid is not null)
        {
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
        }

        return (long)command.ExecuteScalar()!;
    }
}
