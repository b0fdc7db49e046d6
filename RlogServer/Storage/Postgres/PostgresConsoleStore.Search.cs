using System.Globalization;
using System.Text;
using Npgsql;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The console's searches on PostgreSQL: a substring first through the search segments
/// (<see cref="PostgresLineGrams"/>), else one label's btree, else newest-first windows of event
/// time (<see cref="PostgresBrin"/>).
/// </summary>
internal sealed partial class PostgresConsoleStore
{
    public async Task<IReadOnlyList<StoredLine>> SearchAsync(
        LineFilter filter, TimeRange range, LinePosition? after, int limit, CancellationToken cancellationToken = default)
    {
        var probes = PostgresLineGrams.ProbeGroups(filter.Contains, filter.Regex);
        if (probes.Count > 0 && await GramsCoverAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // A substring, or a regex's fixed text: read only the segments whose grams may hold
            // it (PostgresLineGrams), in one query, when they are few.
            var found = await RunAsync(
                async connection =>
                {
                    var to = after is { } position && position.Time < range.To ? position.Time.AddTicks(1) : range.To;
                    var candidates = await PostgresLineGrams.CandidatesAsync(connection, probes, new TimeRange(range.From, to), cancellationToken)
                        .ConfigureAwait(false);
                    return candidates is null ? null : await SearchLinesAsync(connection, filter, range, after, limit, candidates, cancellationToken).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            if (found is not null)
            {
                return found;
            }
        }

        if (filter.Labels.Count != 1)
        {
            // One label's btree (label_no, ts) walks newest first and stops at the page's end.
            // Without it, a newest-first page would sort every line of the range: look in the
            // newest second, minute, hour, ... before the page's end first (PostgresBrin).
            await SummarizeNewestAsync(cancellationToken).ConfigureAwait(false);
            var newest = await PostgresBrin.NewestRecentEventTimeAsync(_dataSource, cancellationToken).ConfigureAwait(false);
            var end = after?.Time ?? range.To;
            if (newest is { } recent && recent < end)
            {
                // Nothing newer was stored lately: start the windows at the newest line, not at an empty end of the range.
                end = recent.AddTicks(1);
            }

            return await PostgresBrin.NewestFirstAsync(
                end,
                range.From,
                limit,
                (start, before, left) => SearchRangeAsync(
                    filter, new TimeRange(start ?? range.From, before ?? range.To), after, left, byRange: start is not null, cancellationToken)).ConfigureAwait(false);
        }

        return await SearchRangeAsync(filter, range, after, limit, byRange: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<StoredLine>> SearchRangeAsync(
        LineFilter filter, TimeRange range, LinePosition? after, int limit, bool byRange, CancellationToken cancellationToken) =>
        await RunAsync<IReadOnlyList<StoredLine>>(
            connection => SearchLinesAsync(connection, filter, range, after, limit, candidates: null, cancellationToken),
            cancellationToken,
            byRange).ConfigureAwait(false);

    // The newest lines of the range after the position, and only those of the candidates' file
    // ranges when there are candidates (PostgresLineGrams.FromCandidates).
    private static async Task<IReadOnlyList<StoredLine>> SearchLinesAsync(
        NpgsqlConnection connection,
        LineFilter filter,
        TimeRange range,
        LinePosition? after,
        int limit,
        IReadOnlyList<GramCandidate>? candidates,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand { Connection = connection };
        var where = new StringBuilder();
        PostgresLineFilter.AddRange(command, where, range);
        if (after is { } position)
        {
            command.Parameters.AddWithValue(position.Time.ToUniversalTime());
            var time = command.Parameters.Count;
            command.Parameters.AddWithValue(position.Id);
            where.Append(CultureInfo.InvariantCulture, $" AND l.ts <= ${time} AND (l.ts, l.id) < (${time}, ${command.Parameters.Count})");
        }

        if (!await PostgresLineFilter.AddAsync(connection, command, where, filter, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var from = "lines l";
        if (candidates is not null)
        {
            if (candidates.Count == 0)
            {
                return [];
            }

            from = PostgresLineGrams.FromCandidates(command, candidates);
        }

        const string Order = " ORDER BY l.ts DESC, l.id DESC";
        var chosen = $"SELECT l.* FROM {from} WHERE {where}{Order} LIMIT {limit.ToString(CultureInfo.InvariantCulture)}";
        command.CommandText = $"SELECT {PostgresLineRows.Columns}{PostgresLineRows.Joined($"({chosen})")}{Order}";
        return await PostgresLineRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    // Whether the search segments cover every line kept; once they do they always will, so only
    // "not yet" is asked again, at most every few minutes.
    private async Task<bool> GramsCoverAllAsync(CancellationToken cancellationToken)
    {
        if (_gramsCoverAll)
        {
            return true;
        }

        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _gramsChecked) < GramsRecheckMilliseconds)
        {
            return false;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _gramsCoverAll = await PostgresLineGrams.CoversAllAsync(connection, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _gramsChecked, now);
        return _gramsCoverAll;
    }

    // At most every few seconds per replica: each call looks at both days' BRIN indexes.
    private async Task SummarizeNewestAsync(CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastSummarized) < SummarizeEveryMilliseconds)
        {
            return;
        }

        Interlocked.Exchange(ref _lastSummarized, now);
        await PostgresBrin.SummarizeNewestAsync(_dataSource, cancellationToken).ConfigureAwait(false);
    }

    // The histogram of a substring or regex search from the lines of its candidate segments, or null when
    // the segments cannot narrow it (PostgresLineGrams.CandidatesAsync).
    private async Task<long[]?> HistogramOfCandidatesAsync(LineFilter filter, TimeRange range, int buckets, CancellationToken cancellationToken)
    {
        var probes = PostgresLineGrams.ProbeGroups(filter.Contains, filter.Regex);
        if (probes.Count == 0 || !await GramsCoverAllAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await RunAsync(
            async connection =>
            {
                var candidates = await PostgresLineGrams.CandidatesAsync(connection, probes, range, cancellationToken).ConfigureAwait(false);
                if (candidates is null)
                {
                    return null;
                }

                var counts = new long[buckets];
                await using var command = new NpgsqlCommand { Connection = connection };
                var where = new StringBuilder();
                PostgresLineFilter.AddRange(command, where, range);
                if (candidates.Count == 0 || !await PostgresLineFilter.AddAsync(connection, command, where, filter, cancellationToken).ConfigureAwait(false))
                {
                    return counts;
                }

                command.CommandText = $"{BucketOf(range, buckets)} FROM {PostgresLineGrams.FromCandidates(command, candidates)} WHERE {where} GROUP BY bucket";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts[Math.Clamp(reader.GetInt64(0), 0, buckets - 1)] += reader.GetInt64(1);
                }

                return counts;
            },
            cancellationToken).ConfigureAwait(false);
    }

    // A histogram's select list: each line's bucket of the range, and the count.
    private static string BucketOf(TimeRange range, int buckets) => string.Create(
        CultureInfo.InvariantCulture,
        $"SELECT (floor(extract(epoch FROM l.ts) * 1000)::bigint - {range.FromMilliseconds}) * {buckets} / {range.SpanMilliseconds} AS bucket, count(*)");
}
