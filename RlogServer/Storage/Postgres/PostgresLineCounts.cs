using System.Globalization;
using Npgsql;
using Rlog.V1;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// <c>line_counts</c>: how many lines were stored per minute of event time, label, file and
/// level, kept in the transaction that stores them, so that the console's histogram over a day
/// reads a few hundred thousand counts instead of ten million lines. Only lines a batch really
/// stored are counted (a duplicate adds nothing), rows carry the day partition their lines are in
/// and go with it (retention), so the counts always add up to the lines.
/// </summary>
internal static class PostgresLineCounts
{
    /// <summary>One minute of event time: the counts' grain.</summary>
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    // A batch whose lines were all new: its counts, added to what is there.
    private const string AddCounts = """
        INSERT INTO line_counts (day, minute, label_no, file_no, severity_number, lines)
        SELECT $1, c.minute, c.label_no, c.file_no, c.severity_number, c.lines
        FROM unnest($2::timestamptz[], $3::integer[], $4::bigint[], $5::smallint[], $6::bigint[])
            AS c(minute, label_no, file_no, severity_number, lines)
        ON CONFLICT (minute, label_no, file_no, severity_number, day) DO UPDATE SET lines = line_counts.lines + excluded.lines
        """;

    /// <summary>
    /// Wraps an <c>INSERT ... SELECT</c> into lines (without RETURNING) so that it also counts
    /// what it inserted: the statement returns how many lines it stored.
    /// </summary>
    public static string CountingInsert(string insertLines) => $"""
        WITH stored AS (
            {insertLines}
            RETURNING ts, label_no, file_no, severity_number, day),
        counted AS (
            INSERT INTO line_counts (day, minute, label_no, file_no, severity_number, lines)
            SELECT day, to_timestamp(floor(extract(epoch FROM ts) / 60) * 60), label_no, file_no, severity_number, count(*)
            FROM stored
            GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (minute, label_no, file_no, severity_number, day) DO UPDATE SET lines = line_counts.lines + excluded.lines)
        SELECT count(*) FROM stored
        """;

    /// <summary>Adds the counts of a batch whose every line was stored (the COPY path), in its transaction.</summary>
    public static async Task AddAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        DateOnly day,
        LogBatch batch,
        LineNumbers numbers,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(long Minute, int Label, long File, short Severity), long>();
        for (var i = 0; i < batch.Logs.Count; i++)
        {
            var log = batch.Logs[i];
            var ticks = StorageTime.EventTime(log.Timestamp, receivedAt).UtcTicks;
            var key = (ticks - (ticks % Minute.Ticks), numbers.Labels[i], numbers.Files[i], (short)Math.Clamp(log.SeverityNumber, 0, short.MaxValue));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        await using var command = new NpgsqlCommand(AddCounts, connection, transaction);
        command.Parameters.AddWithValue(day);
        command.Parameters.AddWithValue(counts.Keys.Select(k => new DateTime(k.Minute, DateTimeKind.Utc)).ToArray());
        command.Parameters.AddWithValue(counts.Keys.Select(k => k.Label).ToArray());
        command.Parameters.AddWithValue(counts.Keys.Select(k => k.File).ToArray());
        command.Parameters.AddWithValue(counts.Keys.Select(k => k.Severity).ToArray());
        command.Parameters.AddWithValue(counts.Values.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the counts can answer a histogram with <paramref name="filter"/>: no filter on the text, source or attributes.</summary>
    public static bool CanCount(LineFilter filter) =>
        !filter.FiltersText && filter.Sources.Count == 0 && filter.Attributes.Count == 0;

    /// <summary>
    /// The minutes of <paramref name="range"/> the counts can place whole in one bucket, as
    /// [first, last) minute starts, and the edge minutes that straddle a bucket boundary or the
    /// range's ends (those are counted from the lines). Null when too few whole minutes are
    /// left for the counts to be worth it.
    /// </summary>
    public static (DateTimeOffset First, DateTimeOffset Last, List<DateTimeOffset> Edges)? Split(TimeRange range, int buckets)
    {
        var minuteTicks = Minute.Ticks;
        var firstWhole = new DateTimeOffset(((range.From.UtcTicks + minuteTicks - 1) / minuteTicks) * minuteTicks, TimeSpan.Zero);
        var lastWhole = new DateTimeOffset((range.To.UtcTicks / minuteTicks) * minuteTicks, TimeSpan.Zero);
        var wholeMinutes = (lastWhole - firstWhole).Ticks / minuteTicks;
        if (wholeMinutes < 4L * buckets)
        {
            return null;
        }

        // A minute straddles boundary k when the boundary falls strictly inside it.
        var edges = new List<DateTimeOffset>();
        for (var k = 1; k < buckets; k++)
        {
            var boundaryMs = range.FromMilliseconds + (range.SpanMilliseconds * k / buckets);
            var boundary = DateTimeOffset.FromUnixTimeMilliseconds(boundaryMs);
            var minute = new DateTimeOffset((boundary.UtcTicks / minuteTicks) * minuteTicks, TimeSpan.Zero);
            if (minute != boundary && minute >= firstWhole && minute < lastWhole && (edges.Count == 0 || edges[^1] != minute))
            {
                edges.Add(minute);
            }
        }

        return (firstWhole, lastWhole, edges);
    }

    /// <summary>
    /// The counts' part of a histogram: per whole minute in [first, last) but the edge minutes,
    /// the sum of the counts matching the filter, placed in the bucket that holds it. Returns the
    /// labels of every line in the range (from every minute the range touches), so that the
    /// lines of the edge minutes can be read through the (label, ts) btree, exactly.
    /// <paramref name="filterSql"/> is a condition on <c>c</c> (label_no, file_no, severity_number).
    /// </summary>
    public static async Task<int[]> AddWholeMinutesAsync(
        NpgsqlCommand command,
        string filterSql,
        TimeRange range,
        int buckets,
        (DateTimeOffset First, DateTimeOffset Last, List<DateTimeOffset> Edges) split,
        long[] counts,
        CancellationToken cancellationToken)
    {
        // Every minute the range touches: the partial ones at its ends too, for their labels.
        command.Parameters.AddWithValue((split.First - Minute).ToUniversalTime());
        var first = command.Parameters.Count;
        command.Parameters.AddWithValue(split.Last.ToUniversalTime());
        command.CommandText = string.Create(
            CultureInfo.InvariantCulture,
            $"SELECT c.minute, c.label_no, sum(c.lines)::bigint FROM line_counts c WHERE c.minute >= ${first} AND c.minute <= ${first + 1}{filterSql} GROUP BY 1, 2");
        var edges = split.Edges.Select(e => e.UtcTicks).ToHashSet();
        var labels = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var minute = reader.GetFieldValue<DateTimeOffset>(0);
            labels.Add(reader.GetInt32(1));
            if (minute < split.First || minute >= split.Last || edges.Contains(minute.UtcTicks))
            {
                continue;
            }

            var bucket = (minute.ToUnixTimeMilliseconds() - range.FromMilliseconds) * buckets / range.SpanMilliseconds;
            counts[Math.Clamp(bucket, 0, buckets - 1)] += reader.GetInt64(2);
        }

        return [.. labels];
    }

    /// <summary>
    /// The ranges of event time the counts leave out, to be read from the lines: the partial
    /// minutes at the range's ends, and the edge minutes.
    /// </summary>
    public static List<(DateTimeOffset Low, DateTimeOffset High)> EdgeRanges(TimeRange range, (DateTimeOffset First, DateTimeOffset Last, List<DateTimeOffset> Edges) split)
    {
        var ranges = new List<(DateTimeOffset Low, DateTimeOffset High)> { (range.From, split.First) };
        ranges.AddRange(split.Edges.Select(edge => (edge, edge + Minute)));
        ranges.Add((split.Last, range.To));
        ranges.RemoveAll(r => r.High <= r.Low);
        return ranges;
    }
}
