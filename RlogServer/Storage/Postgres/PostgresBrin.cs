using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// What queries that read lines by event time without a label need: lines carry only a BRIN
/// index on <c>ts</c> (a btree on it cost a quarter of the database's CPU per line stored), so
/// they look for the newest lines in the newest second, minute, hour, then ever longer windows
/// (<see cref="NewestFirstAsync"/>), and summarize the newest block ranges before they do.
/// </summary>
internal static class PostgresBrin
{
    /// <summary>
    /// How far back from its end a newest-first read looks first, then next: the last second,
    /// minute and hour, then each window twice the one before, up to the first of a week or more.
    /// </summary>
    public static readonly TimeSpan[] Windows = MakeWindows();

    /// <summary>
    /// The newest <paramref name="limit"/> lines up to <paramref name="end"/>, newest first, read one
    /// window at a time (<see cref="Windows"/>), each window only the time the ones before it did not
    /// cover, until the page is full; then what lies before the last window. Exact whatever the
    /// start: every line of a window is newer than every line of the next. A search that only a few
    /// lines match (a rare substring) reads back only as far as its page's oldest line, about half
    /// of what one query over the whole range would read, and never a line twice.
    /// </summary>
    /// <param name="end">Where the windows start from: the range's end, or the newest line stored when that is older.</param>
    /// <param name="from">The range's start, if it has one: windows reaching it end the walk.</param>
    /// <param name="limit">The page's size.</param>
    /// <param name="read">
    /// Reads the newest lines (at most the count given, newest first) with an event time at or
    /// after its first argument (null: the range's start) and before its second (null: the
    /// range's end).
    /// </param>
    public static async Task<List<StoredLine>> NewestFirstAsync(
        DateTimeOffset end, DateTimeOffset? from, int limit, Func<DateTimeOffset?, DateTimeOffset?, int, Task<IReadOnlyList<StoredLine>>> read)
    {
        var lines = new List<StoredLine>();
        DateTimeOffset? before = null;
        foreach (var window in Windows)
        {
            var start = end - window;
            if (from is { } rangeStart && start <= rangeStart)
            {
                break;
            }

            lines.AddRange(await read(start, before, limit - lines.Count).ConfigureAwait(false));
            if (lines.Count >= limit)
            {
                return lines;
            }

            before = start;
        }

        lines.AddRange(await read(null, before, limit - lines.Count).ConfigureAwait(false));
        return lines;
    }

    private static TimeSpan[] MakeWindows()
    {
        var windows = new List<TimeSpan> { TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1) };
        while (windows[^1] < TimeSpan.FromDays(7))
        {
            windows.Add(windows[^1] * 2);
        }

        return [.. windows];
    }

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
