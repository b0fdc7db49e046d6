using System.Globalization;
using System.Text;
using Npgsql;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>Reading lines back for the command line (<c>stats</c>, <c>tail</c>, <c>query</c>, <c>--follow</c>).</summary>
internal sealed partial class PostgresLineStore
{
    public long CountLines(string? agentUuid = null)
    {
        if (agentUuid is null)
        {
            return PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM lines");
        }

        return PostgresDatabase.ParseUuid(agentUuid) is { } uuid
            ? PostgresDatabase.Count(
                _dataSource,
                "SELECT count(*) FROM lines l JOIN files f ON f.file_no = l.file_no WHERE f.agent_uuid = $1",
                uuid)
            : 0;
    }

    public IReadOnlyList<StoredLine> ReadLines(string? agentUuid = null)
    {
        using var command = _dataSource.CreateCommand();
        if (agentUuid is null)
        {
            command.CommandText = $"SELECT {Columns}{Joined("lines")} ORDER BY l.id";
        }
        else if (PostgresDatabase.ParseUuid(agentUuid) is { } uuid)
        {
            command.CommandText = $"SELECT {Columns}{Joined("lines")} WHERE f.agent_uuid = $1 ORDER BY l.id";
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
            lines.Add(PostgresLineRows.ReadLine(reader));
        }

        return lines;
    }

    public IReadOnlyList<LabelCount> CountLinesByLabel()
    {
        using var command = _dataSource.CreateCommand("""
            SELECT n.name, c.lines
            FROM (SELECT label_no, count(*) AS lines FROM lines GROUP BY label_no) c
            JOIN names n ON n.name_no = c.label_no
            ORDER BY c.lines DESC, n.name COLLATE "C"
            """);
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
            // (label_no, ts) answers it from the index, exactly.
            return OldestFirst(await QueryWindowAsync(query, from: null, before: null, query.Limit, cancellationToken).ConfigureAwait(false));
        }

        if (query.Contains is { } text
            && await CandidatesAsync(text, query, cancellationToken).ConfigureAwait(false) is { } candidates)
        {
            // A substring that the search segments narrow to a few ranges (PostgresLineGrams).
            return OldestFirst(await QueryWindowAsync(query, from: null, before: null, query.Limit, cancellationToken, candidates).ConfigureAwait(false));
        }

        // Without a label there is no btree on the event time alone (it cost a quarter of the
        // database's CPU per line stored), only a BRIN: cheap to keep, and it skips whatever
        // lies outside a time range. So the newest lines are looked for in the last second
        // before the newest event time of the latest batches (or the query's end), then the last
        // minute, hour, and ever longer windows, each only the time the ones before it did not
        // cover (PostgresBrin.NewestFirstAsync).
        await PostgresBrin.SummarizeNewestAsync(_dataSource, cancellationToken).ConfigureAwait(false);
        var newest = await PostgresBrin.NewestRecentEventTimeAsync(_dataSource, cancellationToken).ConfigureAwait(false) ?? DateTimeOffset.UtcNow;
        var end = query.Until is { } until && until < newest ? until : newest;
        return OldestFirst(await PostgresBrin.NewestFirstAsync(
            end,
            query.Since,
            query.Limit,
            (from, before, left) => QueryWindowAsync(query, from, before, left, cancellationToken)).ConfigureAwait(false));
    }

    private static List<StoredLine> OldestFirst(IEnumerable<StoredLine> newestFirst)
    {
        var lines = newestFirst.ToList();
        lines.Reverse();
        return lines;
    }

    // The search segments that may hold text in the query's time range, or null when they cannot
    // narrow it (or do not cover every line kept yet).
    private async Task<IReadOnlyList<GramCandidate>?> CandidatesAsync(string text, LineQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await PostgresLineGrams.CoversAllAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var range = new TimeRange(query.Since ?? DateTimeOffset.MinValue, query.Until ?? DateTimeOffset.MaxValue);
        return await PostgresLineGrams.CandidatesAsync(connection, PostgresLineGrams.ProbeGroups([text], []), range, cancellationToken).ConfigureAwait(false);
    }

    // Newest first. from: only lines with an event time at or after it; before: only lines before
    // it; candidates: only the lines of these segments.
    private async Task<IReadOnlyList<StoredLine>> QueryWindowAsync(
        LineQuery query, DateTimeOffset? from, DateTimeOffset? before, int limit, CancellationToken cancellationToken, IReadOnlyList<GramCandidate>? candidates = null)
    {
        await using var command = new NpgsqlCommand();
        var where = new StringBuilder("true");
        if (!AddFilters(command, where, query) || candidates is { Count: 0 })
        {
            return [];
        }

        if (from is { } windowStart)
        {
            command.Parameters.AddWithValue(windowStart);
            where.Append(" AND l.ts >= $").Append(command.Parameters.Count);
        }

        if (before is { } windowEnd)
        {
            command.Parameters.AddWithValue(windowEnd);
            where.Append(" AND l.ts < $").Append(command.Parameters.Count);
        }

        const string Order = " ORDER BY l.ts DESC, l.id DESC";
        var lines = candidates is null ? "lines l" : PostgresLineGrams.FromCandidates(command, candidates);
        var chosen = $"SELECT l.* FROM {lines} WHERE {where}{Order} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}";
        command.CommandText = $"SELECT {Columns}{Joined($"({chosen})")}{Order}";
        var byRange = query.Label is null && from is not null;
        return await RunAsync(command, byRange, c => PostgresLineRows.ReadAllAsync(c, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    // Runs a query on a connection of its own. byRange: one that a BRIN range (of id or ts)
    // answers, run with sequential scans off: a day's partition has no statistics until
    // autovacuum analyzes it, and the planner's guess without them (a third of the rows in any
    // range) reads the whole partition instead.
    private async Task<T> RunAsync<T>(NpgsqlCommand command, bool byRange, Func<NpgsqlCommand, Task<T>> run, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        command.Connection = connection;
        if (!byRange)
        {
            return await run(command).ConfigureAwait(false);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var noScans = new NpgsqlCommand("SET LOCAL enable_seqscan = off", connection, transaction))
        {
            await noScans.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        command.Transaction = transaction;
        var result = await run(command).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<IReadOnlyList<StoredLine>> ReadAfterAsync(LineQuery query, long afterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = new NpgsqlCommand();
        command.Parameters.AddWithValue(afterId);
        var chosen = new StringBuilder("SELECT * FROM lines l WHERE l.id > $1");
        if (!AddFilters(command, chosen, query))
        {
            return [];
        }

        if (query.ReceivedSince is { } since)
        {
            // The day before too: a replica's clock may lag the reader's.
            chosen.Append(DayBound(DateOnly.FromDateTime(since.UtcDateTime).AddDays(-1)));
        }

        chosen.Append(" ORDER BY l.id LIMIT ").Append(query.Limit);
        command.CommandText = $"SELECT {Columns}{Joined($"({chosen})")} ORDER BY l.id";
        return await RunAsync(command, byRange: true, c => PostgresLineRows.ReadAllAsync(c, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> MaxIdAsync(CancellationToken cancellationToken = default)
    {
        // From the batch sequence, not max(id): lines carry only a BRIN index on id, and any id
        // handed out so far is as good a starting point for following. Every line of a batch
        // numbered so far has an id below that of the next batch's first line.
        var lastBatchNo = await PostgresBrin.LastBatchNoAsync(_dataSource, cancellationToken).ConfigureAwait(false);
        return lastBatchNo == 0 ? 0 : ((lastBatchNo + 1) << IdShift) - 1;
    }

    // A literal lower bound on the day partition, so that the planner prunes the older ones.
    private static string DayBound(DateOnly day) =>
        string.Create(CultureInfo.InvariantCulture, $" AND l.day >= DATE '{day:yyyy-MM-dd}'");

    // False when a filter can match nothing (an agent that is no uuid).
    private static bool AddFilters(NpgsqlCommand command, StringBuilder sql, LineQuery query)
    {
        if (query.Label is not null)
        {
            // A label never stored has no number: the subquery is null and nothing matches.
            command.Parameters.AddWithValue(PostgresNames.NameKey(query.Label));
            sql.Append(" AND l.label_no = (SELECT name_no FROM names WHERE name_key = $").Append(command.Parameters.Count).Append(')');
        }

        if (query.AgentUuid is not null)
        {
            if (PostgresDatabase.ParseUuid(query.AgentUuid) is not { } uuid)
            {
                return false;
            }

            command.Parameters.AddWithValue(uuid);
            sql.Append(" AND l.file_no IN (SELECT file_no FROM files WHERE agent_uuid = $").Append(command.Parameters.Count).Append(')');
        }

        if (query.Host is not null)
        {
            command.Parameters.AddWithValue(query.Host);
            sql.Append(" AND l.file_no IN (SELECT f.file_no FROM files f JOIN agents a ON a.agent_uuid = f.agent_uuid WHERE a.hostname = $")
                .Append(command.Parameters.Count).Append(')');
        }

        if (query.Since is { } since)
        {
            command.Parameters.AddWithValue(since.ToUniversalTime());
            sql.Append(" AND l.ts >= $").Append(command.Parameters.Count);
        }

        if (query.Until is { } until)
        {
            command.Parameters.AddWithValue(until.ToUniversalTime());
            sql.Append(" AND l.ts < $").Append(command.Parameters.Count);
        }

        if (query.MinSeverity is { } minSeverity)
        {
            command.Parameters.AddWithValue((short)minSeverity);
            sql.Append(" AND l.severity_number >= $").Append(command.Parameters.Count);
        }

        if (query.Contains is not null)
        {
            command.Parameters.AddWithValue(query.Contains);
            sql.Append(" AND strpos(l.line, $").Append(command.Parameters.Count).Append(") > 0");
        }

        return true;
    }
}
