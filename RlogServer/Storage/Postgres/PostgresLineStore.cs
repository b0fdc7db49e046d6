using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Rlog.V1;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// Lines in PostgreSQL. A batch is one transaction: a per-agent advisory lock, a binary
/// <c>COPY</c> of its lines into a temporary staging table, then one
/// <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c> into the day partition.
/// </summary>
internal sealed class PostgresLineStore : ILineStore
{
    private const string Columns =
        "id, agent_uuid, label, line, source, file_id, file_offset, batch_id, ts, received_at, attributes::text";

    // Per pooled connection, created on first use and kept (the pool does not reset connections);
    // ON COMMIT DELETE ROWS empties it at every commit.
    private const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS lines_staging (
            file_key uuid NOT NULL,
            file_id text NOT NULL,
            file_offset bigint NOT NULL,
            label text NOT NULL,
            source text NOT NULL,
            line text NOT NULL,
            ts timestamptz NOT NULL,
            attributes text
        ) ON COMMIT DELETE ROWS
        """;

    // The agent's lock makes the check of other days' partitions and the insert one step for
    // that agent across every replica: during a fail-over the same batch may be stored by two
    // replicas at once, and only one of them may find its lines new.
    private const string LockAgent = "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))";

    private const string CopyStaging =
        "COPY lines_staging (file_key, file_id, file_offset, label, source, line, ts, attributes) FROM STDIN (FORMAT BINARY)";

    // Whether another day's partition holds any line of this agent in the offset range the batch
    // covers in each of its files ($2, $3, $4: file keys, lowest and highest offsets): one index
    // range probe per file and partition, where checking every line against every other day
    // cost a probe per line and partition. Almost always false (a re-send across midnight makes
    // it true), and then the plain paths below are exact. Days are literals, {0} the batch's day
    // and {1} the next, so the planner prunes the batch's own partition (a parameter cannot be
    // pruned at plan time, and "> day" does not exclude [day, day + 1) for range pruning).
    private const string OtherDaysOverlapFormat = """
        SELECT EXISTS (
            SELECT 1 FROM unnest($2::uuid[], $3::bigint[], $4::bigint[]) AS r(file_key, lo, hi)
            WHERE EXISTS (
                    SELECT 1 FROM lines l
                    WHERE l.agent_uuid = $1 AND l.file_key = r.file_key AND l.file_offset BETWEEN r.lo AND r.hi
                      AND l.day < DATE '{0}')
               OR EXISTS (
                    SELECT 1 FROM lines l
                    WHERE l.agent_uuid = $1 AND l.file_key = r.file_key AND l.file_offset BETWEEN r.lo AND r.hi
                      AND l.day >= DATE '{1}'))
        """;

    // The fast path's COPY, straight into the day partition {0}.
    private const string CopyPartitionFormat =
        "COPY {0} (day, agent_uuid, file_key, file_id, file_offset, label, source, line, ts, attributes, batch_id, received_at) FROM STDIN (FORMAT BINARY)";

    private const string FreshSavepoint = "fresh_lines";

    // How many days back a query without a label looks first, then next (see QueryAsync).
    private static readonly int[] QueryDayWindows = [0, 1, 7];

    // ON CONFLICT covers the batch's own day (and a line twice in one batch).
    private const string InsertFromStaging = """
        INSERT INTO lines (day, agent_uuid, file_key, file_id, file_offset, label, source, line, ts, attributes, batch_id, received_at)
        SELECT $1, $2, s.file_key, s.file_id, s.file_offset, s.label, s.source, s.line, s.ts, s.attributes::jsonb, $3, $4
        FROM lines_staging s
        ON CONFLICT DO NOTHING
        """;

    // The same, line by line against the other days' partitions: only when the range check found
    // an overlap. {0} and {1} as above.
    private const string InsertFromStagingCheckingOtherDaysFormat = """
        INSERT INTO lines (day, agent_uuid, file_key, file_id, file_offset, label, source, line, ts, attributes, batch_id, received_at)
        SELECT $1, $2, s.file_key, s.file_id, s.file_offset, s.label, s.source, s.line, s.ts, s.attributes::jsonb, $3, $4
        FROM lines_staging s
        WHERE NOT EXISTS (
                SELECT 1 FROM lines l
                WHERE l.agent_uuid = $2 AND l.file_key = s.file_key AND l.file_offset = s.file_offset AND l.day < DATE '{0}')
            AND NOT EXISTS (
                SELECT 1 FROM lines l
                WHERE l.agent_uuid = $2 AND l.file_key = s.file_key AND l.file_offset = s.file_offset AND l.day >= DATE '{1}')
        ON CONFLICT DO NOTHING
        """;

    // "no partition of relation found for row": the partition cache was stale.
    private const string NoPartitionSqlState = "23514";

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresPartitions _partitions;

    public PostgresLineStore(NpgsqlDataSource dataSource, PostgresPartitions partitions)
    {
        _dataSource = dataSource;
        _partitions = partitions;
    }

    public async Task<BatchStoreResult> StoreBatchAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(batch);
        var uuid = Guid.Parse(agentUuid);
        receivedAt = receivedAt.ToUniversalTime();
        var day = DateOnly.FromDateTime(receivedAt.UtcDateTime);
        await _partitions.EnsureAsync(day, cancellationToken).ConfigureAwait(false);
        try
        {
            return await StoreOnceAsync(uuid, day, batch, receivedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is NoPartitionSqlState or PostgresErrorCodes.UndefinedTable)
        {
            _partitions.Forget();
            await _partitions.EnsureAsync(day, cancellationToken).ConfigureAwait(false);
            return await StoreOnceAsync(uuid, day, batch, receivedAt, cancellationToken).ConfigureAwait(false);
        }
    }

    public long CountLines(string? agentUuid = null)
    {
        if (agentUuid is null)
        {
            return PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM lines");
        }

        return PostgresDatabase.ParseUuid(agentUuid) is { } uuid
            ? PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM lines WHERE agent_uuid = $1", uuid)
            : 0;
    }

    public IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null)
    {
        using var command = _dataSource.CreateCommand();
        if (agentUuid is null)
        {
            command.CommandText = $"SELECT {Columns} FROM lines ORDER BY id";
        }
        else if (PostgresDatabase.ParseUuid(agentUuid) is { } uuid)
        {
            command.CommandText = $"SELECT {Columns} FROM lines WHERE agent_uuid = $1 ORDER BY id";
            command.Parameters.AddWithValue(uuid);
        }
        else
        {
            return [];
        }

        using var reader = command.ExecuteReader();
        var lines = new List<StoredLine>();
        while (reader.Read())
        {
            lines.Add(ReadLine(reader));
        }

        return lines;
    }

    public IReadOnlyList<LabelCount> CountLinesByLabel()
    {
        using var command = _dataSource.CreateCommand("SELECT label, count(*) AS n FROM lines GROUP BY label ORDER BY n DESC, label");
        using var reader = command.ExecuteReader();
        var counts = new List<LabelCount>();
        while (reader.Read())
        {
            counts.Add(new LabelCount(reader.GetString(0), reader.GetInt64(1)));
        }

        return counts;
    }

    public async Task<IReadOnlyList<StoredLine>> QueryAsync(LineQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Label is not null)
        {
            // (label, ts) answers it from the index, exactly.
            return await QueryWindowAsync(query, fromDay: null, cancellationToken).ConfigureAwait(false);
        }

        // Without a label there is no index on the event time alone (it cost a quarter of the
        // database's CPU per line stored). The newest lines are looked for in the newest day
        // partitions first (a literal day bound prunes the others), widening until enough are
        // found: exact unless an event time is far out of line with the day it arrived.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var days in QueryDayWindows)
        {
            var lines = await QueryWindowAsync(query, today.AddDays(-days), cancellationToken).ConfigureAwait(false);
            if (lines.Count >= query.Limit)
            {
                return lines;
            }
        }

        return await QueryWindowAsync(query, fromDay: null, cancellationToken).ConfigureAwait(false);
    }

    // fromDay: only the partitions of that day and later.
    private async Task<IReadOnlyList<StoredLine>> QueryWindowAsync(LineQuery query, DateOnly? fromDay, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand();
        var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE true");
        if (!AddFilters(command, sql, query))
        {
            return [];
        }

        if (fromDay is { } day)
        {
            sql.Append(DayBound(day));
        }

        sql.Append(" ORDER BY ts DESC, id DESC LIMIT ").Append(query.Limit);
        command.CommandText = sql.ToString();
        var lines = await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        lines.Reverse();
        return lines;
    }

    public async Task<IReadOnlyList<StoredLine>> ReadAfterAsync(LineQuery query, long afterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _dataSource.CreateCommand();
        command.Parameters.AddWithValue(afterId);
        var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE id > $1");
        if (!AddFilters(command, sql, query))
        {
            return [];
        }

        if (query.ReceivedSince is { } since)
        {
            // The day before too: a replica's clock may lag the reader's.
            sql.Append(DayBound(DateOnly.FromDateTime(since.UtcDateTime).AddDays(-1)));
        }

        sql.Append(" ORDER BY id LIMIT ").Append(query.Limit);
        command.CommandText = sql.ToString();
        return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> MaxIdAsync(CancellationToken cancellationToken = default)
    {
        // The sequence, not max(id): lines carry only a BRIN index on id, and any id handed out
        // so far is as good a starting point for following.
        await using var command = _dataSource.CreateCommand("SELECT COALESCE(pg_sequence_last_value('lines_id_seq'), 0)");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await _partitions.DropBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        return -1;
    }

    private async Task<BatchStoreResult> StoreOnceAsync(
        Guid agentUuid,
        DateOnly day,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var files = FileRanges(batch);
        var today = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var tomorrow = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        bool overlapsOtherDays;
        await using (var prepare = new NpgsqlBatch(connection, transaction))
        {
            var lockAgent = new NpgsqlBatchCommand(LockAgent);
            lockAgent.Parameters.AddWithValue(agentUuid);
            prepare.BatchCommands.Add(lockAgent);
            var check = new NpgsqlBatchCommand(string.Format(CultureInfo.InvariantCulture, OtherDaysOverlapFormat, today, tomorrow));
            check.Parameters.AddWithValue(agentUuid);
            check.Parameters.AddWithValue(files.Values.Select(f => f.Key).ToArray());
            check.Parameters.AddWithValue(files.Values.Select(f => f.Low).ToArray());
            check.Parameters.AddWithValue(files.Values.Select(f => f.High).ToArray());
            prepare.BatchCommands.Add(check);
            await using var reader = await prepare.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            overlapsOtherDays = reader.GetBoolean(0);
        }

        if (!overlapsOtherDays)
        {
            // The usual batch: lines never seen. COPY straight into the day's partition (bulk
            // heap inserts, no staging, no per-line conflict pre-check); a line already there
            // makes the unique index refuse the COPY, and the savepoint takes it back.
            await transaction.SaveAsync(FreshSavepoint, cancellationToken).ConfigureAwait(false);
            try
            {
                await CopyAsync(connection, string.Format(CultureInfo.InvariantCulture, CopyPartitionFormat, PostgresPartitions.TableName(day)), batch, files, receivedAt, day, agentUuid, cancellationToken)
                    .ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new BatchStoreResult(batch.Logs.Count, 0);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync(FreshSavepoint, cancellationToken).ConfigureAwait(false);
            }
        }

        // A re-sent batch (or one that spans midnight): through the staging table, each line
        // inserted unless it is there already.
        await using (var create = new NpgsqlCommand(CreateStaging, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await CopyAsync(connection, CopyStaging, batch, files, receivedAt, day: null, agentUuid, cancellationToken).ConfigureAwait(false);
        int stored;
        var insertSql = overlapsOtherDays
            ? string.Format(CultureInfo.InvariantCulture, InsertFromStagingCheckingOtherDaysFormat, today, tomorrow)
            : InsertFromStaging;
        await using (var insert = new NpgsqlCommand(insertSql, connection, transaction))
        {
            insert.Parameters.AddWithValue(day);
            insert.Parameters.AddWithValue(agentUuid);
            insert.Parameters.AddWithValue(batch.BatchId);
            insert.Parameters.AddWithValue(receivedAt);
            stored = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BatchStoreResult(stored, batch.Logs.Count - stored);
    }

    // Per file of the batch: its key and the lowest and highest offset the batch holds of it.
    private static Dictionary<string, FileRange> FileRanges(LogBatch batch)
    {
        var files = new Dictionary<string, FileRange>(StringComparer.Ordinal);
        foreach (var log in batch.Logs)
        {
            var offset = unchecked((long)log.Offset);
            files[log.FileId] = files.TryGetValue(log.FileId, out var range)
                ? range with { Low = Math.Min(range.Low, offset), High = Math.Max(range.High, offset) }
                : new FileRange(FileKey(log.FileId), offset, offset);
        }

        return files;
    }

    // Binary COPY of the batch's lines: into a day partition when day is given (every column),
    // else into the staging table (the per-line columns).
    private static async Task CopyAsync(
        NpgsqlConnection connection,
        string copySql,
        LogBatch batch,
        Dictionary<string, FileRange> files,
        DateTimeOffset receivedAt,
        DateOnly? day,
        Guid agentUuid,
        CancellationToken cancellationToken)
    {
        var importer = await connection.BeginBinaryImportAsync(copySql, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            // Synchronous writes: they fill Npgsql's buffer and only block when it goes out
            // (this runs on a pool thread of its own); an await per field cost more CPU per line
            // than the whole protobuf parse.
            foreach (var log in batch.Logs)
            {
                importer.StartRow();
                if (day is { } partitionDay)
                {
                    importer.Write(partitionDay, NpgsqlDbType.Date);
                    importer.Write(agentUuid, NpgsqlDbType.Uuid);
                }

                importer.Write(files[log.FileId].Key, NpgsqlDbType.Uuid);
                importer.Write(log.FileId, NpgsqlDbType.Text);
                // bigint is signed 64-bit; the cast keeps every bit of the offset.
                importer.Write(unchecked((long)log.Offset), NpgsqlDbType.Bigint);
                importer.Write(log.Label, NpgsqlDbType.Text);
                importer.Write(log.Source, NpgsqlDbType.Text);
                importer.Write(log.Line, NpgsqlDbType.Text);
                importer.Write(StorageTime.EventTime(log.Timestamp, receivedAt), NpgsqlDbType.TimestampTz);
                if (LineAttributes.ToJson(log.Attributes) is { } attributes)
                {
                    importer.Write(attributes, day is null ? NpgsqlDbType.Text : NpgsqlDbType.Jsonb);
                }
                else
                {
                    importer.WriteNull();
                }

                if (day is not null)
                {
                    importer.Write(batch.BatchId, NpgsqlDbType.Text);
                    importer.Write(receivedAt, NpgsqlDbType.TimestampTz);
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The fixed-width stand-in for a file id in the unique key: the first 16 bytes of its
    /// SHA-256. Comparing 16 bytes is what made the key cheap to check (the variable-width text
    /// made every btree comparison decode the tuple); two file ids of one agent sharing a key
    /// would need a 128-bit SHA-256 collision.
    /// </summary>
    internal static Guid FileKey(string fileId)
    {
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(fileId);
        SHA256.HashData(bytes, hash);
        return new Guid(hash[..16]);
    }

    // A literal lower bound on the day partition, so that the planner prunes the older ones.
    private static string DayBound(DateOnly day) =>
        string.Create(CultureInfo.InvariantCulture, $" AND day >= DATE '{day:yyyy-MM-dd}'");

    // False when a filter can match nothing (an agent that is no uuid).
    private static bool AddFilters(NpgsqlCommand command, StringBuilder sql, LineQuery query)
    {
        if (query.Label is not null)
        {
            command.Parameters.AddWithValue(query.Label);
            sql.Append(" AND label = $").Append(command.Parameters.Count);
        }

        if (query.AgentUuid is not null)
        {
            if (PostgresDatabase.ParseUuid(query.AgentUuid) is not { } uuid)
            {
                return false;
            }

            command.Parameters.AddWithValue(uuid);
            sql.Append(" AND agent_uuid = $").Append(command.Parameters.Count);
        }

        if (query.Since is { } since)
        {
            command.Parameters.AddWithValue(since.ToUniversalTime());
            sql.Append(" AND ts >= $").Append(command.Parameters.Count);
        }

        if (query.Until is { } until)
        {
            command.Parameters.AddWithValue(until.ToUniversalTime());
            sql.Append(" AND ts < $").Append(command.Parameters.Count);
        }

        if (query.Contains is not null)
        {
            command.Parameters.AddWithValue(query.Contains);
            sql.Append(" AND strpos(line, $").Append(command.Parameters.Count).Append(") > 0");
        }

        return true;
    }

    private static async Task<List<StoredLine>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<StoredLine>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(ReadLine(reader));
        }

        return lines;
    }

    private static StoredLine ReadLine(NpgsqlDataReader reader) =>
        new(
            AgentUuid: reader.GetGuid(1).ToString(),
            Label: reader.GetString(2),
            Line: reader.GetString(3),
            Source: reader.GetString(4),
            FileId: reader.GetString(5),
            Offset: unchecked((ulong)reader.GetInt64(6)),
            BatchId: reader.GetString(7))
        {
            Id = reader.GetInt64(0),
            Timestamp = reader.GetFieldValue<DateTimeOffset>(8),
            ReceivedAt = reader.GetFieldValue<DateTimeOffset>(9),
            Attributes = LineAttributes.FromJson(reader.IsDBNull(10) ? null : reader.GetString(10)),
        };
}
