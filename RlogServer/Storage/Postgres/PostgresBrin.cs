using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// What queries that read lines by event time without a label need: lines carry only a BRIN
/// index on <c>ts</c> (a btree on it cost a quarter of the database's CPU per line stored), so
/// they look for the newest lines in the newest second, minute, hour, day, week first
/// (<see cref="Windows"/>), and summarize the newest block ranges before they do.
/// </summary>
internal static class PostgresBrin
{
    /// <summary>How far back a newest-first read looks first, then next: exact whatever the start, since a window open at its top that holds enough lines holds the newest.</summary>
    public static readonly TimeSpan[] Windows =
        [TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    /// <summary>
    /// A BRIN skips only block ranges it has summarized, and autovacuum summarizes new ones when
    /// it next visits (up to a minute, millions of lines at full ingest): until then a query
    /// reads them all. Summarizing today's and yesterday's new ranges first reads them once, for
    /// this query and the next. Needs the indexes' owner; for another role queries still work,
    /// slower.
    /// </summary>
    public static async Task SummarizeNewestAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var command = dataSource.CreateCommand("""
            SELECT brin_summarize_new_values(i.indexrelid::regclass)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'brin' AND i.indrelid IN (SELECT to_regclass(unnest($1::text[])))
            """);
        command.Parameters.AddWithValue(new[] { PostgresPartitions.TableName(today), PostgresPartitions.TableName(today.AddDays(-1)) });
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Not the owner: the windows still answer, reading the unsummarized ranges.
        }
    }

    /// <summary>
    /// The newest event time among the lines of the latest batches (the BRIN on id finds them),
    /// or null when there are none: where newest-first windows start, since the clock's now
    /// may be well past the newest line.
    /// </summary>
    public static async Task<DateTimeOffset?> NewestRecentEventTimeAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var lowestId = Math.Max(0, (await LastBatchNoAsync(dataSource, cancellationToken).ConfigureAwait(false) - AnchorBatches) << PostgresLineRows.IdShift);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var noScans = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction))
        {
            await noScans.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("SELECT max(ts) FROM lines WHERE id >= $1", connection, transaction);
        command.Parameters.AddWithValue(lowestId);
        var newest = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return newest is DateTime utc ? new DateTimeOffset(utc, TimeSpan.Zero) : null;
    }

    /// <summary>The number of the latest batch given a number, 0 when there is none.</summary>
    public static async Task<long> LastBatchNoAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('batches', 'batch_no')::regclass), 0)");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // How many of the newest batches give the newest event time to start the windows from.
    private const int AnchorBatches = 64;
}
