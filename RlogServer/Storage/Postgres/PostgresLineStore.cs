using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Rlog.V1;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// Lines in PostgreSQL. A batch is one transaction: a per-agent advisory lock, a row in
/// <c>batches</c>, then a binary <c>COPY</c> straight into the day partition; a batch that holds
/// lines already stored goes through a temporary staging table and
/// <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c> instead. Rows hold numbers for their
/// label, source and file (<see cref="PostgresNames"/>), and their id is the batch's number
/// times 2^24 plus their place in the batch.
/// </summary>
internal sealed partial class PostgresLineStore : ILineStore
{
    // A line's id is (batch_no << IdShift) + its place in the batch, so a batch may hold up to
    // 2^24 lines: more than a 4 MiB message can carry.
    private const int IdShift = PostgresLineRows.IdShift;

    private const string Columns = PostgresLineRows.Columns;

    private static string Joined(string lines) => PostgresLineRows.Joined(lines);

    // Per pooled connection, created on first use and kept (the pool does not reset connections);
    // ON COMMIT DELETE ROWS empties it at every commit.
    private const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS lines_staging (
            id bigint NOT NULL,
            file_no bigint NOT NULL,
            file_offset bigint NOT NULL,
            ts timestamptz NOT NULL,
            label_no integer NOT NULL,
            source_no integer NOT NULL,
            line text NOT NULL,
            attributes text,
            severity_number smallint NOT NULL,
            severity_text text
        ) ON COMMIT DELETE ROWS
        """;

    // The agent's lock makes the check of other days' partitions and the insert one step for
    // that agent across every replica: during a fail-over the same batch may be stored by two
    // replicas at once, and only one of them may find its lines new.
    private const string LockAgent = "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))";

    private const string InsertBatch =
        "INSERT INTO batches (agent_uuid, batch_id, day, received_at, grams) VALUES ($1, $2, $3, $4, true) RETURNING batch_no";

    private const string CopyStaging =
        "COPY lines_staging (id, file_no, file_offset, ts, label_no, source_no, line, attributes, severity_number, severity_text) FROM STDIN (FORMAT BINARY)";

    // Whether another day's partition holds any line of the batch's files in the offset range
    // the batch covers in each ($1, $2, $3: file numbers, lowest and highest offsets): one index
    // range probe per file and partition, where checking every line against every other day
    // cost a probe per line and partition. Almost always false (a re-send across midnight makes
    // it true), and then the plain paths below are exact. Days are literals, {0} the batch's day
    // and {1} the next, so the planner prunes the batch's own partition (a parameter cannot be
    // pruned at plan time, and "> day" does not exclude [day, day + 1) for range pruning).
    private const string OtherDaysOverlapFormat = """
        SELECT EXISTS (
            SELECT 1 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(file_no, lo, hi)
            WHERE EXISTS (
                    SELECT 1 FROM lines l
                    WHERE l.file_no = r.file_no AND l.file_offset BETWEEN r.lo AND r.hi AND l.day < DATE '{0}')
               OR EXISTS (
                    SELECT 1 FROM lines l
                    WHERE l.file_no = r.file_no AND l.file_offset BETWEEN r.lo AND r.hi AND l.day >= DATE '{1}'))
        """;

    // The fast path's COPY, straight into the day partition {0}.
    private const string CopyPartitionFormat =
        "COPY {0} (id, file_no, file_offset, ts, day, label_no, source_no, line, attributes, severity_number, severity_text) FROM STDIN (FORMAT BINARY)";

    private const string FreshSavepoint = "fresh_lines";

    // ON CONFLICT covers the batch's own day (and a line twice in one batch).
    private const string InsertFromStaging = """
        INSERT INTO lines (id, file_no, file_offset, ts, day, label_no, source_no, line, attributes, severity_number, severity_text)
        SELECT s.id, s.file_no, s.file_offset, s.ts, $1, s.label_no, s.source_no, s.line, s.attributes::jsonb, s.severity_number, s.severity_text
        FROM lines_staging s
        ON CONFLICT DO NOTHING
        """;

    // The same, line by line against the other days' partitions: only when the range check found
    // an overlap. {0} and {1} as above.
    private const string InsertFromStagingCheckingOtherDaysFormat = """
        INSERT INTO lines (id, file_no, file_offset, ts, day, label_no, source_no, line, attributes, severity_number, severity_text)
        SELECT s.id, s.file_no, s.file_offset, s.ts, $1, s.label_no, s.source_no, s.line, s.attributes::jsonb, s.severity_number, s.severity_text
        FROM lines_staging s
        WHERE NOT EXISTS (
                SELECT 1 FROM lines l
                WHERE l.file_no = s.file_no AND l.file_offset = s.file_offset AND l.day < DATE '{0}')
            AND NOT EXISTS (
                SELECT 1 FROM lines l
                WHERE l.file_no = s.file_no AND l.file_offset = s.file_offset AND l.day >= DATE '{1}')
        ON CONFLICT DO NOTHING
        """;

    // "no partition of relation found for row": the partition cache was stale.
    private const string NoPartitionSqlState = "23514";

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresPartitions _partitions;
    private readonly PostgresNames _names = new();

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

    public async Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await _partitions.DropBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false);
        // The batches of the days whose partitions went (names and files stay: replicas cache
        // their numbers, and they are few).
        // Their line counts and search segments too (PostgresLineCounts, PostgresLineGrams).
        await using var batch = _dataSource.CreateBatch();
        foreach (var table in new[] { "batches", "line_counts", "line_grams" })
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE day < $1");
            delete.Parameters.AddWithValue(PostgresPartitions.FirstKeptDay(cutoff));
            batch.BatchCommands.Add(delete);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return -1;
    }

    private async Task<BatchStoreResult> StoreOnceAsync(
        Guid agentUuid,
        DateOnly day,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var today = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var tomorrow = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var numbers = await _names.ResolveAsync(connection, agentUuid, batch, cancellationToken).ConfigureAwait(false);
        var files = FileRanges(batch, numbers);
        var segments = PostgresLineGrams.Segments(batch, numbers, receivedAt);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        long batchNo;
        bool overlapsOtherDays;
        await using (var prepare = new NpgsqlBatch(connection, transaction))
        {
            var lockAgent = new NpgsqlBatchCommand(LockAgent);
            lockAgent.Parameters.AddWithValue(agentUuid);
            prepare.BatchCommands.Add(lockAgent);
            var insertBatch = new NpgsqlBatchCommand(InsertBatch);
            insertBatch.Parameters.AddWithValue(agentUuid);
            insertBatch.Parameters.AddWithValue(batch.BatchId);
            insertBatch.Parameters.AddWithValue(day);
            insertBatch.Parameters.AddWithValue(receivedAt);
            prepare.BatchCommands.Add(insertBatch);
            var check = new NpgsqlBatchCommand(string.Format(CultureInfo.InvariantCulture, OtherDaysOverlapFormat, today, tomorrow));
            check.Parameters.AddWithValue(files.Keys.ToArray());
            check.Parameters.AddWithValue(files.Values.Select(f => f.Low).ToArray());
            check.Parameters.AddWithValue(files.Values.Select(f => f.High).ToArray());
            prepare.BatchCommands.Add(check);
            // The batch's search segments (PostgresLineGrams) in the same round trip: a re-sent
            // batch's cover lines stored before too, which searches merge.
            prepare.BatchCommands.Add(PostgresLineGrams.InsertCommand(day, segments));
            await using var reader = await prepare.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            batchNo = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            overlapsOtherDays = reader.GetBoolean(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        var rows = new CopyRows(batch, numbers, batchNo << IdShift, receivedAt);
        if (!overlapsOtherDays)
        {
            // The usual batch: lines never seen. COPY straight into the day's partition (bulk
            // heap inserts, no staging, no per-line conflict pre-check); a line already there
            // makes the unique index refuse the COPY, and the savepoint takes it back.
            await transaction.SaveAsync(FreshSavepoint, cancellationToken).ConfigureAwait(false);
            try
            {
                var copy = string.Format(CultureInfo.InvariantCulture, CopyPartitionFormat, PostgresPartitions.TableName(day));
                await CopyAsync(connection, copy, rows, day, cancellationToken).ConfigureAwait(false);
                await PostgresLineCounts.AddAsync(connection, transaction, day, batch, numbers, receivedAt, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new BatchStoreResult(batch.Logs.Count, 0);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync(FreshSavepoint, cancellationToken).ConfigureAwait(false);
            }
        }

        // A re-sent batch (or one that spans midnight): through the staging table, each line
        // inserted unless it is there already, and only those counted.
        await using (var create = new NpgsqlCommand(CreateStaging, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await CopyAsync(connection, CopyStaging, rows, day: null, cancellationToken).ConfigureAwait(false);
        int stored;
        var insertSql = overlapsOtherDays
            ? string.Format(CultureInfo.InvariantCulture, InsertFromStagingCheckingOtherDaysFormat, today, tomorrow)
            : InsertFromStaging;
        await using (var insert = new NpgsqlCommand(PostgresLineCounts.CountingInsert(insertSql), connection, transaction))
        {
            insert.Parameters.AddWithValue(day);
            stored = (int)(long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BatchStoreResult(stored, batch.Logs.Count - stored);
    }

    // Per file of the batch (by number): the lowest and highest offset the batch holds of it.
    private static Dictionary<long, FileRange> FileRanges(LogBatch batch, LineNumbers numbers)
    {
        var files = new Dictionary<long, FileRange>();
        for (var i = 0; i < batch.Logs.Count; i++)
        {
            var offset = unchecked((long)batch.Logs[i].Offset);
            var fileNo = numbers.Files[i];
            files[fileNo] = files.TryGetValue(fileNo, out var range)
                ? new FileRange(Math.Min(range.Low, offset), Math.Max(range.High, offset))
                : new FileRange(offset, offset);
        }

        return files;
    }

    // Binary COPY of the batch's rows: into a day partition when day is given, else into the
    // staging table (which has no day column).
    private static async Task CopyAsync(
        NpgsqlConnection connection,
        string copySql,
        CopyRows rows,
        DateOnly? day,
        CancellationToken cancellationToken)
    {
        var importer = await connection.BeginBinaryImportAsync(copySql, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            // Synchronous writes: they fill Npgsql's buffer and only block when it goes out
            // (this runs on a pool thread of its own); an await per field cost more CPU per line
            // than the whole protobuf parse.
            var logs = rows.Batch.Logs;
            for (var i = 0; i < logs.Count; i++)
            {
                var log = logs[i];
                importer.StartRow();
                importer.Write(rows.FirstId + i, NpgsqlDbType.Bigint);
                importer.Write(rows.Numbers.Files[i], NpgsqlDbType.Bigint);
                // bigint is signed 64-bit; the cast keeps every bit of the offset.
                importer.Write(unchecked((long)log.Offset), NpgsqlDbType.Bigint);
                importer.Write(StorageTime.EventTime(log.Timestamp, rows.ReceivedAt), NpgsqlDbType.TimestampTz);
                if (day is { } partitionDay)
                {
                    importer.Write(partitionDay, NpgsqlDbType.Date);
                }

                importer.Write(rows.Numbers.Labels[i], NpgsqlDbType.Integer);
                importer.Write(rows.Numbers.Sources[i], NpgsqlDbType.Integer);
                importer.Write(log.Line, NpgsqlDbType.Text);
                if (LineAttributes.ToJson(log.Attributes) is { } attributes)
                {
                    importer.Write(attributes, day is null ? NpgsqlDbType.Text : NpgsqlDbType.Jsonb);
                }
                else
                {
                    importer.WriteNull();
                }

                importer.Write((short)Math.Clamp(log.SeverityNumber, 0, short.MaxValue), NpgsqlDbType.Smallint);
                if (log.SeverityText.Length > 0)
                {
                    importer.Write(log.SeverityText, NpgsqlDbType.Text);
                }
                else
                {
                    importer.WriteNull();
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // What one batch's COPY writes: its lines, their numbers, the first line's id.
    private sealed record CopyRows(LogBatch Batch, LineNumbers Numbers, long FirstId, DateTimeOffset ReceivedAt);
}
