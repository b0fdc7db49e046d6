using System.Text;
using Microsoft.Data.Sqlite;
using Rlog.V1;

namespace RlogServer.Storage.Sqlite;

/// <summary>Lines in SQLite: one table, <c>INSERT OR IGNORE</c> on the unique key, one transaction per batch.</summary>
internal sealed class SqliteLineStore : ILineStore
{
    private const string Columns = SqliteLineRows.Columns;

    private readonly SqliteDatabase _database;

    // The hot path, prepared once on the writer connection and reused for every line.
    private readonly LineInsertStatement _insert;

    public SqliteLineStore(SqliteDatabase database)
    {
        _database = database;
        _insert = new LineInsertStatement(database.Writer);
    }

    public Task<BatchStoreResult> StoreBatchAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(batch);
        return _database.WriteAsync(
            writer =>
            {
                var stored = 0;
                var duplicates = 0;
                using var transaction = writer.BeginTransaction(deferred: false);
                _insert.BindBatch(agentUuid, batch.BatchId, receivedAt.ToUnixTimeMilliseconds());
                foreach (var log in batch.Logs)
                {
                    var eventTime = StorageTime.EventTime(log.Timestamp, receivedAt).ToUnixTimeMilliseconds();
                    if (_insert.Insert(log, eventTime))
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
            },
            cancellationToken);
    }

    public long CountLines(string? agentUuid = null) =>
        _database.Read(connection => agentUuid is null
            ? SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM lines")
            : SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM lines WHERE agent_uuid = $agent_uuid", agentUuid));

    public IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null) =>
        _database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(
                connection,
                agentUuid is null
                    ? $"SELECT {Columns} FROM lines ORDER BY id"
                    : $"SELECT {Columns} FROM lines WHERE agent_uuid = $agent_uuid ORDER BY id");
            if (agentUuid is not null)
            {
                command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            }

            return SqliteLineRows.ReadAll(command);
        });

    public IReadOnlyList<LabelCount> CountLinesByLabel() =>
        _database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(
                connection,
                "SELECT label, COUNT(*) AS n FROM lines GROUP BY label ORDER BY n DESC, label");
            using var reader = command.ExecuteReader();
            var counts = new List<LabelCount>();
            while (reader.Read())
            {
                counts.Add(new LabelCount(reader.GetString(0), reader.GetInt64(1)));
            }

            return counts;
        });

    public Task<IReadOnlyList<StoredLine>> QueryAsync(LineQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult<IReadOnlyList<StoredLine>>(_database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE 1 = 1");
            AddFilters(command, sql, query);
            sql.Append(" ORDER BY read_at_ms DESC, id DESC LIMIT $limit");
            command.Parameters.AddWithValue("$limit", query.Limit);
            command.CommandText = sql.ToString();
            var lines = SqliteLineRows.ReadAll(command);
            lines.Reverse();
            return lines;
        }));
    }

    public Task<IReadOnlyList<StoredLine>> ReadAfterAsync(LineQuery query, long afterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult<IReadOnlyList<StoredLine>>(_database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE id > $after");
            command.Parameters.AddWithValue("$after", afterId);
            AddFilters(command, sql, query);
            sql.Append(" ORDER BY id LIMIT $limit");
            command.Parameters.AddWithValue("$limit", query.Limit);
            command.CommandText = sql.ToString();
            return SqliteLineRows.ReadAll(command);
        }));
    }

    public Task<long> MaxIdAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_database.Read(connection => SqliteDatabase.Scalar(connection, "SELECT COALESCE(MAX(id), 0) FROM lines")));

    public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        SqliteRetention.DeleteReceivedBeforeAsync(_database, "lines", cutoff, cancellationToken);

    /// <summary>Finalizes the prepared insert; the database calls it before closing the writer.</summary>
    public void DisposeStatements() => _insert.Dispose();

    private static void AddFilters(SqliteCommand command, StringBuilder sql, LineQuery query)
    {
        if (query.Label is not null)
        {
            sql.Append(" AND label = $label");
            command.Parameters.AddWithValue("$label", query.Label);
        }

        if (query.AgentUuid is not null)
        {
            sql.Append(" AND agent_uuid = $agent_uuid");
            command.Parameters.AddWithValue("$agent_uuid", query.AgentUuid);
        }

        if (query.Host is not null)
        {
            sql.Append(" AND agent_uuid IN (SELECT agent_uuid FROM agents WHERE hostname = $host)");
            command.Parameters.AddWithValue("$host", query.Host);
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND read_at_ms >= $since");
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }

        if (query.Until is { } until)
        {
            sql.Append(" AND read_at_ms < $until");
            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        }

        if (query.MinSeverity is { } minSeverity)
        {
            sql.Append(" AND severity_number >= $min_severity");
            command.Parameters.AddWithValue("$min_severity", minSeverity);
        }

        if (query.Contains is not null)
        {
            // instr, not LIKE: no wildcards to escape, and case-sensitive like the other engine.
            sql.Append(" AND instr(line, $contains) > 0");
            command.Parameters.AddWithValue("$contains", query.Contains);
        }
    }
}
