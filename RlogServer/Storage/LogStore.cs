using Google.Protobuf.WellKnownTypes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rlog.V1;

namespace RlogServer.Storage;

/// <summary>
/// The server's SQLite database: stored lines, heartbeats, agents, registrations and token
/// hashes. One long-lived writer connection serves every write, one at a time; reads open
/// pooled connections of their own, which WAL mode lets run beside the writer.
/// </summary>
public sealed class LogStore : IDisposable
{
    // (agent_uuid, file_id, file_offset) names one line forever (see the wire contract), so it
    // is the uniqueness key and INSERT OR IGNORE turns a re-sent line into a counted no-op.
    // "offset" is an SQL keyword, hence file_offset. Times are Unix milliseconds.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS agents (
            agent_uuid TEXT PRIMARY KEY,
            hostname TEXT NOT NULL DEFAULT '',
            os TEXT NOT NULL DEFAULT '',
            agent_version TEXT NOT NULL DEFAULT '',
            first_registered_at_ms INTEGER NOT NULL,
            last_registered_at_ms INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS registrations (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            hostname TEXT NOT NULL,
            os TEXT NOT NULL,
            agent_version TEXT NOT NULL,
            registered_at_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS registrations_agent ON registrations (agent_uuid);
        CREATE TABLE IF NOT EXISTS lines (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            file_id TEXT NOT NULL,
            file_offset INTEGER NOT NULL,
            label TEXT NOT NULL,
            line TEXT NOT NULL,
            source TEXT NOT NULL,
            read_at_ms INTEGER,
            batch_id TEXT NOT NULL,
            received_at_ms INTEGER NOT NULL,
            UNIQUE (agent_uuid, file_id, file_offset)
        );
        CREATE TABLE IF NOT EXISTS heartbeats (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            timestamp_ms INTEGER,
            received_at_ms INTEGER NOT NULL,
            cpu REAL NOT NULL,
            memory REAL NOT NULL,
            agent_version TEXT NOT NULL,
            lines_read INTEGER NOT NULL,
            lines_confirmed INTEGER NOT NULL,
            batches_unconfirmed INTEGER NOT NULL,
            send_retries INTEGER NOT NULL,
            files_open INTEGER NOT NULL,
            process_cpu REAL NOT NULL,
            process_rss_bytes INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS heartbeats_agent ON heartbeats (agent_uuid);
        CREATE TABLE IF NOT EXISTS tokens (
            token_hash BLOB PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            kind INTEGER NOT NULL,
            issued_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS tokens_agent ON tokens (agent_uuid, kind);
        """;

    private const string LineColumns = "agent_uuid, label, line, source, file_id, file_offset, batch_id";

    private readonly string _databasePath;
    private readonly string _readConnectionString;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteConnection _writer;

    // The hot path, prepared once and reused for every line of every batch.
    private readonly LineInsertStatement _lineInsert;

    private bool _disposed;

    /// <summary>
    /// Opens (creating when missing) the database at <paramref name="databasePath"/>, switches it
    /// to WAL mode and creates the tables it lacks.
    /// </summary>
    public LogStore(string databasePath, ILogger<LogStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        _databasePath = Path.GetFullPath(databasePath);
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        var directory = Path.GetDirectoryName(_databasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // The writer is never pooled: it lives as long as the store, and closing it at
        // dispose must really close the file (and checkpoint the WAL).
        var writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _databasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
        }.ToString();

        _writer = new SqliteConnection(writerConnectionString);
        try
        {
            _writer.Open();
            // FULL: an OK answer to Send lets the agent advance its checkpoints, so a
            // committed batch must survive a power cut, not only a process crash.
            Execute(_writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
            Execute(_writer, Schema);

            _lineInsert = new LineInsertStatement(_writer);
        }
        catch
        {
            _writer.Dispose();
            throw;
        }

        LogStoreLog.DatabaseOpened(_logger, _databasePath);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => _databasePath;

    /// <summary>
    /// Stores every line of <paramref name="batch"/> for <paramref name="agentUuid"/> in one
    /// transaction. Lines the store already holds (same agent, file id and offset) are counted
    /// as duplicates and left as they are. Returns once the transaction is committed.
    /// </summary>
    public async Task<BatchStoreResult> StoreBatchAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(batch);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return StoreBatchLocked(agentUuid, batch, receivedAt);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Records one heartbeat of <paramref name="agentUuid"/>.</summary>
    public async Task RecordHeartbeatAsync(
        string agentUuid,
        HeartbeatRequest heartbeat,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(heartbeat);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer.CreateCommand();
            command.CommandText = """
                INSERT INTO heartbeats
                    (agent_uuid, timestamp_ms, received_at_ms, cpu, memory, agent_version, lines_read,
                     lines_confirmed, batches_unconfirmed, send_retries, files_open, process_cpu, process_rss_bytes)
                VALUES
                    ($agent_uuid, $timestamp_ms, $received_at_ms, $cpu, $memory, $agent_version, $lines_read,
                     $lines_confirmed, $batches_unconfirmed, $send_retries, $files_open, $process_cpu, $process_rss_bytes)
                """;
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            command.Parameters.AddWithValue("$timestamp_ms", (object?)ToUnixMilliseconds(heartbeat.Timestamp) ?? DBNull.Value);
            command.Parameters.AddWithValue("$received_at_ms", receivedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$cpu", heartbeat.Cpu);
            command.Parameters.AddWithValue("$memory", heartbeat.Memory);
            command.Parameters.AddWithValue("$agent_version", heartbeat.AgentVersion);
            command.Parameters.AddWithValue("$lines_read", unchecked((long)heartbeat.LinesRead));
            command.Parameters.AddWithValue("$lines_confirmed", unchecked((long)heartbeat.LinesConfirmed));
            command.Parameters.AddWithValue("$batches_unconfirmed", unchecked((long)heartbeat.BatchesUnconfirmed));
            command.Parameters.AddWithValue("$send_retries", unchecked((long)heartbeat.SendRetries));
            command.Parameters.AddWithValue("$files_open", (long)heartbeat.FilesOpen);
            command.Parameters.AddWithValue("$process_cpu", heartbeat.ProcessCpu);
            command.Parameters.AddWithValue("$process_rss_bytes", unchecked((long)heartbeat.ProcessRssBytes));
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Records a successful registration of <paramref name="agentUuid"/>, creating its agent row
    /// when it is unknown. Returns true when the agent was new to this store.
    /// </summary>
    public async Task<bool> RecordRegistrationAsync(
        string agentUuid,
        string hostname,
        string os,
        string agentVersion,
        DateTimeOffset registeredAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            using var command = _writer.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            command.Parameters.AddWithValue("$hostname", hostname);
            command.Parameters.AddWithValue("$os", os);
            command.Parameters.AddWithValue("$agent_version", agentVersion);
            command.Parameters.AddWithValue("$at", registeredAt.ToUnixTimeMilliseconds());

            command.CommandText = """
                INSERT OR IGNORE INTO agents (agent_uuid, first_registered_at_ms, last_registered_at_ms)
                VALUES ($agent_uuid, $at, $at)
                """;
            var isNew = command.ExecuteNonQuery() == 1;

            command.CommandText = """
                UPDATE agents
                SET hostname = $hostname, os = $os, agent_version = $agent_version, last_registered_at_ms = $at
                WHERE agent_uuid = $agent_uuid;
                INSERT INTO registrations (agent_uuid, hostname, os, agent_version, registered_at_ms)
                VALUES ($agent_uuid, $hostname, $os, $agent_version, $at);
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
            return isNew;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Counts stored lines, of one agent or of all.</summary>
    public long CountLines(string? agentUuid = null) =>
        agentUuid is null
            ? ReadScalar("SELECT COUNT(*) FROM lines")
            : ReadScalar("SELECT COUNT(*) FROM lines WHERE agent_uuid = $agent_uuid", agentUuid);

    /// <summary>Reads stored lines in the order they were stored, of one agent or of all.</summary>
    public IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null)
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        if (agentUuid is null)
        {
            command.CommandText = $"SELECT {LineColumns} FROM lines ORDER BY id";
        }
        else
        {
            command.CommandText = $"SELECT {LineColumns} FROM lines WHERE agent_uuid = $agent_uuid ORDER BY id";
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
        }

        return ReadStoredLines(command);
    }

    /// <summary>Reads the last <paramref name="count"/> stored lines, oldest first.</summary>
    public IReadOnlyList<StoredLine> ReadLastLines(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {LineColumns} FROM lines ORDER BY id DESC LIMIT $count";
        command.Parameters.AddWithValue("$count", count);
        var lines = ReadStoredLines(command);
        lines.Reverse();
        return lines;
    }

    /// <summary>Counts stored lines per label, most lines first.</summary>
    public IReadOnlyList<LabelCount> CountLinesByLabel()
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT label, COUNT(*) AS n FROM lines GROUP BY label ORDER BY n DESC, label";
        using var reader = command.ExecuteReader();
        var counts = new List<LabelCount>();
        while (reader.Read())
        {
            counts.Add(new LabelCount(reader.GetString(0), reader.GetInt64(1)));
        }

        return counts;
    }

    /// <summary>Counts recorded heartbeats, of one agent or of all.</summary>
    public long CountHeartbeats(string? agentUuid = null) =>
        agentUuid is null
            ? ReadScalar("SELECT COUNT(*) FROM heartbeats")
            : ReadScalar("SELECT COUNT(*) FROM heartbeats WHERE agent_uuid = $agent_uuid", agentUuid);

    /// <summary>Reads recorded heartbeats in the order they arrived, of one agent or of all.</summary>
    public IReadOnlyList<StoredHeartbeat> ReadHeartbeats(string? agentUuid = null)
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        const string columns = """
            agent_uuid, timestamp_ms, received_at_ms, cpu, memory, agent_version, lines_read, lines_confirmed,
            batches_unconfirmed, send_retries, files_open, process_cpu, process_rss_bytes
            """;
        if (agentUuid is null)
        {
            command.CommandText = $"SELECT {columns} FROM heartbeats ORDER BY id";
        }
        else
        {
            command.CommandText = $"SELECT {columns} FROM heartbeats WHERE agent_uuid = $agent_uuid ORDER BY id";
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
        }

        using var reader = command.ExecuteReader();
        var heartbeats = new List<StoredHeartbeat>();
        while (reader.Read())
        {
            heartbeats.Add(new StoredHeartbeat(
                AgentUuid: reader.GetString(0),
                Timestamp: reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                Cpu: reader.GetDouble(3),
                Memory: reader.GetDouble(4),
                AgentVersion: reader.GetString(5),
                LinesRead: unchecked((ulong)reader.GetInt64(6)),
                LinesConfirmed: unchecked((ulong)reader.GetInt64(7)),
                BatchesUnconfirmed: unchecked((ulong)reader.GetInt64(8)),
                SendRetries: unchecked((ulong)reader.GetInt64(9)),
                FilesOpen: (uint)reader.GetInt64(10),
                ProcessCpu: reader.GetDouble(11),
                ProcessRssBytes: unchecked((ulong)reader.GetInt64(12))));
        }

        return heartbeats;
    }

    /// <summary>The uuids of every agent that ever registered, in order of first registration.</summary>
    public IReadOnlyList<string> AgentUuids()
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT agent_uuid FROM agents ORDER BY first_registered_at_ms, agent_uuid";
        using var reader = command.ExecuteReader();
        var uuids = new List<string>();
        while (reader.Read())
        {
            uuids.Add(reader.GetString(0));
        }

        return uuids;
    }

    /// <summary>How many <c>Register</c> calls succeeded for <paramref name="agentUuid"/>.</summary>
    public long CountRegistrations(string agentUuid)
    {
        ArgumentNullException.ThrowIfNull(agentUuid);
        return ReadScalar("SELECT COUNT(*) FROM registrations WHERE agent_uuid = $agent_uuid", agentUuid);
    }

    /// <summary>
    /// Stores a fresh access and refresh token for <paramref name="agentUuid"/>, and forgets the
    /// agent's tokens that have expired by <paramref name="now"/>.
    /// </summary>
    internal async Task InsertTokenPairAsync(
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            using (var purge = _writer.CreateCommand())
            {
                purge.Transaction = transaction;
                purge.CommandText = "DELETE FROM tokens WHERE agent_uuid = $agent_uuid AND expires_at_ms <= $now";
                purge.Parameters.AddWithValue("$agent_uuid", agentUuid);
                purge.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                purge.ExecuteNonQuery();
            }

            InsertTokenPairLocked(transaction, agentUuid, access, refresh, now);
            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// In one transaction: revokes the refresh token hashed as <paramref name="presentedRefreshHash"/>
    /// if it is a live refresh token of <paramref name="agentUuid"/>, and stores the new pair in
    /// its place. Returns false, changing nothing, when the presented token is not live.
    /// </summary>
    internal async Task<bool> RotateRefreshTokenAsync(
        string agentUuid,
        byte[] presentedRefreshHash,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            using (var revoke = _writer.CreateCommand())
            {
                revoke.Transaction = transaction;
                revoke.CommandText = """
                    UPDATE tokens SET revoked = 1
                    WHERE token_hash = $hash AND agent_uuid = $agent_uuid AND kind = $kind
                      AND revoked = 0 AND expires_at_ms > $now
                    """;
                revoke.Parameters.AddWithValue("$hash", presentedRefreshHash);
                revoke.Parameters.AddWithValue("$agent_uuid", agentUuid);
                revoke.Parameters.AddWithValue("$kind", (long)TokenKind.Refresh);
                revoke.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                if (revoke.ExecuteNonQuery() != 1)
                {
                    return false;
                }
            }

            InsertTokenPairLocked(transaction, agentUuid, access, refresh, now);
            transaction.Commit();
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The agent a live access token hashed as <paramref name="hash"/> belongs to, or null.</summary>
    internal string? FindAgentByAccessToken(byte[] hash, DateTimeOffset now)
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT agent_uuid FROM tokens
            WHERE token_hash = $hash AND kind = $kind AND revoked = 0 AND expires_at_ms > $now
            """;
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$kind", (long)TokenKind.Access);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return command.ExecuteScalar() as string;
    }

    /// <summary>Revokes every refresh token of <paramref name="agentUuid"/>; returns how many were live.</summary>
    internal int RevokeRefreshTokens(string agentUuid) =>
        ExecuteWrite(
            "UPDATE tokens SET revoked = 1 WHERE agent_uuid = $agent_uuid AND kind = $kind AND revoked = 0",
            agentUuid,
            TokenKind.Refresh,
            expiresAt: null);

    /// <summary>Makes every access token of <paramref name="agentUuid"/> expired as of <paramref name="now"/>.</summary>
    internal int ExpireAccessTokens(string agentUuid, DateTimeOffset now) =>
        ExecuteWrite(
            """
            UPDATE tokens SET expires_at_ms = $expires_at_ms
            WHERE agent_uuid = $agent_uuid AND kind = $kind AND expires_at_ms > $expires_at_ms
            """,
            agentUuid,
            TokenKind.Access,
            expiresAt: now);

    /// <summary>Closes the writer connection and the pooled readers.</summary>
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
            _lineInsert.Dispose();
            _writer.Dispose();
            using (var reader = new SqliteConnection(_readConnectionString))
            {
                SqliteConnection.ClearPool(reader);
            }

            LogStoreLog.DatabaseClosed(_logger, _databasePath);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private BatchStoreResult StoreBatchLocked(string agentUuid, LogBatch batch, DateTimeOffset receivedAt)
    {
        var stored = 0;
        var duplicates = 0;
        using var transaction = _writer.BeginTransaction(deferred: false);
        _lineInsert.BindBatch(agentUuid, batch.BatchId, receivedAt.ToUnixTimeMilliseconds());
        foreach (var log in batch.Logs)
        {
            if (_lineInsert.Insert(log, ToUnixMilliseconds(log.Timestamp)))
            {
                stored++;
            }
            else
            {
                duplicates++;
            }
        }

        transaction.Commit();
        return new BatchStoreResult(stored, duplicates);
    }

    private void InsertTokenPairLocked(
        SqliteTransaction transaction,
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now)
    {
        using var insert = _writer.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO tokens (token_hash, agent_uuid, kind, issued_at_ms, expires_at_ms)
            VALUES ($hash, $agent_uuid, $kind, $issued_at_ms, $expires_at_ms)
            """;
        var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
        insert.Parameters.AddWithValue("$agent_uuid", agentUuid);
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        insert.Parameters.AddWithValue("$issued_at_ms", now.ToUnixTimeMilliseconds());
        var expiresAt = insert.Parameters.Add("$expires_at_ms", SqliteType.Integer);

        foreach (var (token, tokenKind) in new[] { (access, TokenKind.Access), (refresh, TokenKind.Refresh) })
        {
            hash.Value = token.Hash;
            kind.Value = (long)tokenKind;
            expiresAt.Value = token.ExpiresAt.ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
        }
    }

    private int ExecuteWrite(string sql, string agentUuid, TokenKind kind, DateTimeOffset? expiresAt)
    {
        ArgumentNullException.ThrowIfNull(agentUuid);
        _writeLock.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            command.Parameters.AddWithValue("$kind", (long)kind);
            if (expiresAt is { } at)
            {
                command.Parameters.AddWithValue("$expires_at_ms", at.ToUnixTimeMilliseconds());
            }

            return command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private long ReadScalar(string sql, string? agentUuid = null)
    {
        using var connection = OpenReadConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (agentUuid is not null)
        {
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
        }

        return (long)command.ExecuteScalar()!;
    }

    private SqliteConnection OpenReadConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    private static List<StoredLine> ReadStoredLines(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var lines = new List<StoredLine>();
        while (reader.Read())
        {
            lines.Add(new StoredLine(
                AgentUuid: reader.GetString(0),
                Label: reader.GetString(1),
                Line: reader.GetString(2),
                Source: reader.GetString(3),
                FileId: reader.GetString(4),
                Offset: unchecked((ulong)reader.GetInt64(5)),
                BatchId: reader.GetString(6)));
        }

        return lines;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Computed from the raw fields: Timestamp.ToDateTimeOffset throws on values outside
    // DateTimeOffset's range, and one odd timestamp must not fail a whole batch.
    private static long? ToUnixMilliseconds(Timestamp? timestamp) =>
        timestamp is null ? null : (timestamp.Seconds * 1000) + (timestamp.Nanos / 1_000_000);
}
