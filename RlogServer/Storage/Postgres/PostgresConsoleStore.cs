using System.Globalization;
using System.Text;
using Npgsql;
using RlogServer.Configuration;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The console's reads and sessions on PostgreSQL. Every search runs in a transaction of its
/// own under <see cref="QueryTimeout"/>. Labels and sources are resolved to their numbers
/// first, so that one label is an equality on <c>lines_label_ts</c>, which PostgreSQL walks
/// newest first and stops at the page's end.
/// </summary>
internal sealed partial class PostgresConsoleStore : IConsoleStore
{
    /// <summary>How long one console query may run before PostgreSQL cancels it (the API answers 503).</summary>
    public TimeSpan QueryTimeout { get; set; } = ConsoleOptions.DefaultQueryTimeout;

    private const string QueryCanceledSqlState = "57014";

    private const long SummarizeEveryMilliseconds = 5_000;

    private const long GramsRecheckMilliseconds = 300_000;

    private readonly NpgsqlDataSource _dataSource;
    private long _lastSummarized = long.MinValue / 2;
    private long _gramsChecked = long.MinValue / 2;
    private volatile bool _gramsCoverAll;

    public PostgresConsoleStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    public async Task<long[]> HistogramAsync(LineFilter filter, TimeRange range, int buckets, CancellationToken cancellationToken = default)
    {
        // Over many minutes, whole minutes come from line_counts and only the minutes cut by a
        // bucket boundary or the range's ends from the lines, through the (label, ts) btree.
        if (await HistogramOfCandidatesAsync(filter, range, buckets, cancellationToken).ConfigureAwait(false) is { } ofCandidates)
        {
            return ofCandidates;
        }

        var split = PostgresLineCounts.CanCount(filter) ? PostgresLineCounts.Split(range, buckets) : null;
        return await RunAsync(
            async connection =>
            {
                var counts = new long[buckets];
                int[]? labels = null;
                if (split is { } whole)
                {
                    await using var fromCounts = new NpgsqlCommand { Connection = connection };
                    var countFilter = new StringBuilder();
                    if (!await PostgresLineFilter.AddAsync(connection, fromCounts, countFilter, filter, cancellationToken, alias: "c").ConfigureAwait(false))
                    {
                        return counts;
                    }

                    labels = await PostgresLineCounts.AddWholeMinutesAsync(fromCounts, countFilter.ToString(), range, buckets, whole, counts, cancellationToken)
                        .ConfigureAwait(false);
                    if (labels.Length == 0)
                    {
                        return counts;
                    }
                }

                var bucketOf = BucketOf(range, buckets);
                var ranges = split is { } parts ? PostgresLineCounts.EdgeRanges(range, parts) : [(range.From, range.To)];
                await PostgresLineFilter.ReadRangesAsync(
                    connection,
                    ranges,
                    async (command, where) =>
                    {
                        if (labels is not null)
                        {
                            command.Parameters.AddWithValue(labels);
                            where.Append(CultureInfo.InvariantCulture, $" AND l.label_no = ANY(${command.Parameters.Count})");
                        }

                        return await PostgresLineFilter.AddAsync(connection, command, where, filter, cancellationToken).ConfigureAwait(false);
                    },
                    bucketOf,
                    " GROUP BY bucket",
                    reader => counts[Math.Clamp(reader.GetInt64(0), 0, buckets - 1)] += reader.GetInt64(1),
                    cancellationToken).ConfigureAwait(false);
                return counts;
            },
            cancellationToken,
            byRange: split is not null).ConfigureAwait(false);
    }

    public async Task<StoredLine?> FindLineAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresLineRows.Columns}{PostgresLineRows.Joined("(SELECT * FROM lines WHERE id = $1)")}");
        command.Parameters.AddWithValue(id);
        // The BRIN on id finds the block range; with sequential scans off, the planner takes it.
        return (await RunAsync(
            async connection =>
            {
                command.Connection = connection;
                return await PostgresLineRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken,
            byRange: true).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<LineContext> ContextAsync(StoredLine line, int before, int after, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                // lines_key (file_no, file_offset, day) walks the file both ways in each day's partition.
                async Task<List<StoredLine>> AroundAsync(string comparison, string order, int count)
                {
                    await using var command = new NpgsqlCommand(
                        $"""
                        SELECT {PostgresLineRows.Columns}{PostgresLineRows.Joined($"""
                            (SELECT l.* FROM lines l
                             WHERE l.file_no = (SELECT file_no FROM files WHERE agent_uuid = $1 AND file_key = $2)
                               AND l.file_offset {comparison} $3
                             ORDER BY l.file_offset {order} LIMIT $4)
                            """)}
                        ORDER BY l.file_offset {order}
                        """,
                        connection);
                    command.Parameters.AddWithValue(Guid.Parse(line.AgentUuid));
                    command.Parameters.AddWithValue(PostgresNames.FileKey(line.FileId));
                    command.Parameters.AddWithValue(unchecked((long)line.Offset));
                    command.Parameters.AddWithValue(count);
                    return await PostgresLineRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
                }

                var lines = await AroundAsync("<", "DESC", before).ConfigureAwait(false);
                lines.Reverse();
                var index = lines.Count;
                lines.Add(line);
                lines.AddRange(await AroundAsync(">", "ASC", after).ConfigureAwait(false));
                return new LineContext(lines, index);
            },
            cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<FacetCount>> FacetAsync(
        LineFilter filter, TimeRange range, FacetField field, int limit, CancellationToken cancellationToken = default)
    {
        if (field.Kind is FacetKind.Host or FacetKind.Label
            && PostgresLineCounts.CanCount(filter)
            && PostgresLineCounts.Split(range, buckets: 1) is { } split)
        {
            return await FacetFromCountsAsync(filter, range, field, limit, split, cancellationToken).ConfigureAwait(false);
        }

        return await FacetFromLinesAsync(filter, range, field, limit, cancellationToken).ConfigureAwait(false);
    }

    // Hosts or labels over whole minutes from line_counts, the partial minutes at the range's
    // ends from the lines, then named.
    private async Task<IReadOnlyList<FacetCount>> FacetFromCountsAsync(
        LineFilter filter,
        TimeRange range,
        FacetField field,
        int limit,
        (DateTimeOffset First, DateTimeOffset Last, List<DateTimeOffset> Edges) split,
        CancellationToken cancellationToken) =>
        await RunAsync<IReadOnlyList<FacetCount>>(
            async connection =>
            {
                var key = field.Kind == FacetKind.Host ? "file_no" : "label_no";
                var totals = new Dictionary<long, long>();
                async Task AddAsync(NpgsqlCommand command)
                {
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var number = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                        totals[number] = totals.GetValueOrDefault(number) + reader.GetInt64(1);
                    }
                }

                var found = true;
                await PostgresLineFilter.ReadRangesAsync(
                    connection,
                    PostgresLineCounts.EdgeRanges(range, split),
                    async (command, where) => found = await PostgresLineFilter.AddAsync(connection, command, where, filter, cancellationToken).ConfigureAwait(false),
                    $"SELECT l.{key}, count(*)",
                    " GROUP BY 1",
                    reader =>
                    {
                        var number = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                        totals[number] = totals.GetValueOrDefault(number) + reader.GetInt64(1);
                    },
                    cancellationToken).ConfigureAwait(false);
                if (!found)
                {
                    return [];
                }

                await using (var whole = new NpgsqlCommand { Connection = connection })
                {
                    whole.Parameters.AddWithValue(split.First.ToUniversalTime());
                    whole.Parameters.AddWithValue(split.Last.ToUniversalTime());
                    var where = new StringBuilder(" FROM line_counts c WHERE c.minute >= $1 AND c.minute < $2");
                    await PostgresLineFilter.AddAsync(connection, whole, where, filter, cancellationToken, alias: "c").ConfigureAwait(false);
                    whole.CommandText = $"SELECT c.{key}, sum(c.lines)::bigint{where} GROUP BY 1";
                    await AddAsync(whole).ConfigureAwait(false);
                }

                var names = new Dictionary<long, string>();
                await using (var naming = new NpgsqlCommand(
                    field.Kind == FacetKind.Host
                        ? "SELECT f.file_no, a.hostname FROM files f JOIN agents a ON a.agent_uuid = f.agent_uuid WHERE f.file_no = ANY($1)"
                        : "SELECT name_no::bigint, name FROM names WHERE name_no = ANY($1::integer[])",
                    connection))
                {
                    naming.Parameters.AddWithValue(totals.Keys.ToArray());
                    await using var reader = await naming.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        names[reader.GetInt64(0)] = reader.GetString(1);
                    }
                }

                return totals
                    .Where(total => names.ContainsKey(total.Key) && total.Value > 0)
                    .GroupBy(total => names[total.Key], StringComparer.Ordinal)
                    .Select(group => new FacetCount(group.Key, group.Sum(total => total.Value)))
                    .OrderByDescending(count => count.Lines)
                    .ThenBy(count => count.Value, StringComparer.Ordinal)
                    .Take(limit)
                    .ToList();
            },
            cancellationToken,
            byRange: true).ConfigureAwait(false);

    private async Task<IReadOnlyList<FacetCount>> FacetFromLinesAsync(
        LineFilter filter, TimeRange range, FacetField field, int limit, CancellationToken cancellationToken) =>
        await RunAsync<IReadOnlyList<FacetCount>>(
            async connection =>
            {
                await using var command = new NpgsqlCommand { Connection = connection };
                var where = new StringBuilder(" FROM lines l WHERE ");
                PostgresLineFilter.AddRange(command, where, range);
                if (!await PostgresLineFilter.AddAsync(connection, command, where, filter, cancellationToken).ConfigureAwait(false))
                {
                    return [];
                }

                var top = string.Create(CultureInfo.InvariantCulture, $" ORDER BY 2 DESC, 1 LIMIT {limit}");
                if (field.Kind == FacetKind.Attribute)
                {
                    command.Parameters.AddWithValue(field.AttributeKey);
                }

                var key = command.Parameters.Count;
                command.CommandText = field.Kind switch
                {
                    // Counted per number first, then named: one lookup per file or name, not per line.
                    FacetKind.Host => $"""
                        SELECT a.hostname AS value, sum(c.n)::bigint AS lines
                        FROM (SELECT l.file_no, count(*) AS n{where} GROUP BY l.file_no) c
                        JOIN files f ON f.file_no = c.file_no JOIN agents a ON a.agent_uuid = f.agent_uuid
                        GROUP BY a.hostname{top}
                        """,
                    FacetKind.Label => $"SELECT n.name AS value, c.n AS lines FROM (SELECT l.label_no AS no, count(*) AS n{where} GROUP BY l.label_no) c JOIN names n ON n.name_no = c.no{top}",
                    FacetKind.Source => $"SELECT n.name AS value, c.n AS lines FROM (SELECT l.source_no AS no, count(*) AS n{where} GROUP BY l.source_no) c JOIN names n ON n.name_no = c.no{top}",
                    _ => $"SELECT l.attributes ->> ${key} AS value, count(*) AS lines{where} AND l.attributes ->> ${key} IS NOT NULL GROUP BY value{top}",
                };
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var values = new List<FacetCount>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    values.Add(new FacetCount(reader.GetString(0), reader.GetInt64(1)));
                }

                return values;
            },
            cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<StoredLine>> ReadAfterAsync(
        LineFilter filter, long afterId, DateTimeOffset receivedSince, int limit, CancellationToken cancellationToken = default) =>
        await RunAsync<IReadOnlyList<StoredLine>>(
            async connection =>
            {
                await using var command = new NpgsqlCommand { Connection = connection };
                command.Parameters.AddWithValue(afterId);
                // The day before too: a replica's clock may lag the reader's.
                var chosen = new StringBuilder(string.Create(
                    CultureInfo.InvariantCulture,
                    $"SELECT * FROM lines l WHERE l.id > $1 AND l.day >= DATE '{DateOnly.FromDateTime(receivedSince.UtcDateTime).AddDays(-1):yyyy-MM-dd}'"));
                if (!await PostgresLineFilter.AddAsync(connection, command, chosen, filter, cancellationToken).ConfigureAwait(false))
                {
                    return [];
                }

                chosen.Append(" ORDER BY l.id LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
                command.CommandText = $"SELECT {PostgresLineRows.Columns}{PostgresLineRows.Joined($"({chosen})")} ORDER BY l.id";
                return await PostgresLineRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken,
            byRange: true).ConfigureAwait(false);

    public async Task<string?> RegexErrorAsync(string pattern, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT '' ~ $1");
        command.Parameters.AddWithValue(pattern);
        try
        {
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidRegularExpression)
        {
            return ex.MessageText;
        }
    }

    // Runs a console query in a transaction of its own under the statement timeout. byRange: a
    // query a BRIN range answers, run with sequential scans off (see PostgresLineStore.RunAsync).
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> run, CancellationToken cancellationToken, bool byRange = false)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var settings = string.Create(
            CultureInfo.InvariantCulture,
            $"SET LOCAL statement_timeout = {Math.Max(1, (long)QueryTimeout.TotalMilliseconds)}{(byRange ? "; SET LOCAL enable_seqscan = off" : "")}");
        await using (var set = new NpgsqlCommand(settings, connection, transaction))
        {
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var result = await run(connection).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (PostgresException ex) when (ex.SqlState == QueryCanceledSqlState && !cancellationToken.IsCancellationRequested)
        {
            throw new ConsoleQueryTimeoutException(
                $"the query ran past the server's statement timeout ({QueryTimeout.TotalSeconds:0.###} s, --console-query-timeout); narrow the time range or add a label or host",
                ex);
        }
    }
}
