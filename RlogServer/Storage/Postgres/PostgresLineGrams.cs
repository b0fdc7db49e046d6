using System.Buffers;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Rlog.V1;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// A skip index for substring searches on PostgreSQL. With every batch it stores, the line store
/// writes rows of <c>line_grams</c>: per file of the batch and per
/// <see cref="SegmentLines"/> lines, the file's offset range, the lines' event-time span and a
/// <see cref="GramBloom"/> of their text. A search for a text of 4 bytes or more (or a regex that
/// needs one, <see cref="RegexLiterals"/>) first asks which segments of its time range may hold it
/// (<see cref="CandidatesAsync"/>), then reads only their
/// lines, each segment one range of the unique index on (file_no, file_offset, day). A rare text
/// over a day reads a few hundred segments' lines where a scan read every line.
/// <para>
/// Why not a trigram index: <c>pg_trgm</c>'s GIN index cut ingest by 60 % (BENCHMARKS.md); these
/// rows are written in the batch's own round trip and cost 16 to 33 bytes a line on disk.
/// </para>
/// <para>
/// Lines stored before the table existed have no rows; <c>batches.grams</c> is false for their
/// batches, and while any of those is kept, searches scan as before (<see cref="CoversAllAsync"/>).
/// <c>grams</c> has no default, so a server from before this table, left running beside a newer
/// one, fails to store rather than store lines no search could find.
/// </para>
/// </summary>
internal static class PostgresLineGrams
{
    /// <summary>The most lines in one segment.</summary>
    public const int SegmentLines = 512;

    /// <summary>The most bytes of text in one segment: more grams would fill its filter past use.</summary>
    public const int SegmentBytes = 64 * 1024;

    /// <summary>
    /// The most lines a search reads through the segments; past it, a text so common that the
    /// newest-first scan (<see cref="PostgresBrin"/>) finds a page sooner.
    /// </summary>
    public const long MaxCandidateLines = 250_000;

    /// <summary>
    /// The most segments a search reads. The query asks for one more and stops there, so a common
    /// text costs the first few rows of <c>line_grams</c>, not a pass over the range's.
    /// </summary>
    public const int MaxCandidateSegments = 2_000;

    private const string Insert = """
        INSERT INTO line_grams (day, file_no, offset_lo, offset_hi, ts_min, ts_max, lines, bits)
        SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::integer[], $8::bytea[])
        """;

    /// <summary>The segments of a batch: its lines grouped by file, in order, cut every <see cref="SegmentLines"/> lines or <see cref="SegmentBytes"/> bytes.</summary>
    public static List<GramSegment> Segments(LogBatch batch, LineNumbers numbers, DateTimeOffset receivedAt)
    {
        var segments = new List<GramSegment>();
        var open = new Dictionary<long, SegmentBuilder>();
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            for (var i = 0; i < batch.Logs.Count; i++)
            {
                var log = batch.Logs[i];
                var fileNo = numbers.Files[i];
                if (!open.TryGetValue(fileNo, out var builder))
                {
                    builder = new SegmentBuilder(fileNo);
                    open.Add(fileNo, builder);
                }

                var most = Encoding.UTF8.GetMaxByteCount(log.Line.Length);
                if (most > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(most);
                }

                var length = Encoding.UTF8.GetBytes(log.Line, buffer);
                if (builder.Lines > 0 && (builder.Lines >= SegmentLines || builder.Bytes + length > SegmentBytes))
                {
                    segments.Add(builder.Close());
                }

                builder.Add(buffer.AsSpan(0, length), unchecked((long)log.Offset), StorageTime.EventTime(log.Timestamp, receivedAt));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        segments.AddRange(open.Values.Where(b => b.Lines > 0).Select(b => b.Close()));
        return segments;
    }

    /// <summary>The insert of a batch's segments, stored on <paramref name="day"/> (its partition's).</summary>
    public static NpgsqlBatchCommand InsertCommand(DateOnly day, IReadOnlyList<GramSegment> segments)
    {
        var command = new NpgsqlBatchCommand(Insert);
        command.Parameters.AddWithValue(day);
        command.Parameters.AddWithValue(segments.Select(s => s.FileNo).ToArray());
        command.Parameters.AddWithValue(segments.Select(s => s.OffsetLow).ToArray());
        command.Parameters.AddWithValue(segments.Select(s => s.OffsetHigh).ToArray());
        command.Parameters.AddWithValue(segments.Select(s => s.TimeLow.UtcDateTime).ToArray());
        command.Parameters.AddWithValue(segments.Select(s => s.TimeHigh.UtcDateTime).ToArray());
        command.Parameters.AddWithValue(segments.Select(s => s.Lines).ToArray());
        command.Parameters.Add(new NpgsqlParameter { Value = segments.Select(s => s.Bits).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return command;
    }

    /// <summary>Whether every line kept has its segments: no batch stored before <c>line_grams</c> is left.</summary>
    public static async Task<bool> CoversAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT NOT EXISTS (SELECT 1 FROM batches WHERE NOT grams)", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// What a segment's filter must hold for its lines to pass a search's text filters: one group
    /// per kind of filter that can be tested (<c>contains</c>, <c>regex</c>), each holding one set
    /// of probes per text, of which a line must match one. A <c>contains</c> text gives the probes
    /// of its 4-byte pieces; a regex those of the texts every match must contain, one set per
    /// branch of a top-level alternation (<see cref="RegexLiterals"/>). A kind of which one text gives no probe (too short, or a
    /// regex with no such text) rules nothing out and is left out; so are <c>icontains</c> and
    /// <c>exclude</c>, which a filter of the stored bytes cannot answer.
    /// </summary>
    public static List<List<int[]>> ProbeGroups(IReadOnlyList<string> contains, IReadOnlyList<string> regexes)
    {
        var groups = new List<List<int[]>>();
        AddGroup(groups, contains.Select(text => GramBloom.ProbesOf(Encoding.UTF8.GetBytes(text))));
        AddGroup(groups, regexes.SelectMany(RegexProbes));
        return groups;
    }

    /// <summary>
    /// The segments of <paramref name="range"/> whose filters pass every group of
    /// <paramref name="groups"/> (<see cref="ProbeGroups"/>), or null when the segments cannot
    /// narrow the search: no group, or more than <see cref="MaxCandidateLines"/> lines or
    /// <see cref="MaxCandidateSegments"/> segments to read.
    /// </summary>
    public static async Task<IReadOnlyList<GramCandidate>?> CandidatesAsync(
        NpgsqlConnection connection, IReadOnlyList<IReadOnlyList<int[]>> groups, TimeRange range, CancellationToken cancellationToken)
    {
        if (groups.Count == 0)
        {
            return null;
        }

        // The probes are numbers computed here, so they go in as literals: one get_bit per probe
        // on the row's own bytes (a filter of m bits is tested at probe & (m - 1)).
        var sql = new StringBuilder("""
            SELECT g.day, g.file_no, g.offset_lo, g.offset_hi, g.lines
            FROM (SELECT *, length(bits) * 8 - 1 AS mask FROM line_grams WHERE ts_max >= $1 AND ts_min < $2) g
            WHERE
            """);
        sql.AppendJoin(" AND ", groups.Select(group => "(" + string.Join(" OR ", group.Select(probes =>
            "(" + string.Join(" AND ", probes.Select(probe => string.Create(CultureInfo.InvariantCulture, $"get_bit(g.bits, {probe} & g.mask) = 1"))) + ")")) + ")"));
        sql.Append(CultureInfo.InvariantCulture, $" LIMIT {MaxCandidateSegments + 1}");
        await using var command = new NpgsqlCommand(sql.ToString(), connection);
        command.Parameters.AddWithValue(range.From.UtcDateTime);
        command.Parameters.AddWithValue(range.To.UtcDateTime);
        var candidates = new List<GramCandidate>();
        long lines = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines += reader.GetInt32(4);
            if (lines > MaxCandidateLines || candidates.Count == MaxCandidateSegments)
            {
                return null;
            }

            candidates.Add(new GramCandidate(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return Merged(candidates);
    }

    /// <summary>
    /// The candidates with the overlapping or touching ranges of one file and day made one: a
    /// re-sent batch has segments over lines stored before, and a line read through two
    /// segments would be found twice.
    /// </summary>
    public static List<GramCandidate> Merged(IEnumerable<GramCandidate> candidates)
    {
        var merged = new List<GramCandidate>();
        foreach (var next in candidates.OrderBy(c => c.Day).ThenBy(c => c.FileNo).ThenBy(c => c.OffsetLow))
        {
            if (merged.Count > 0 && merged[^1] is var last && last.Day == next.Day && last.FileNo == next.FileNo
                && next.OffsetLow <= last.OffsetHigh + 1)
            {
                merged[^1] = last with { OffsetHigh = Math.Max(last.OffsetHigh, next.OffsetHigh) };
            }
            else
            {
                merged.Add(next);
            }
        }

        return merged;
    }

    /// <summary>
    /// The lines of <paramref name="candidates"/>' file ranges, as a FROM item named l: each a
    /// range of the unique index on (file, offset, day), read in a LATERAL subquery that OFFSET 0
    /// keeps from being flattened, so that PostgreSQL probes the index per range (as a plain join
    /// it hashed the ranges and scanned every line). The ranges go in as four array parameters,
    /// added to <paramref name="command"/>.
    /// </summary>
    public static string FromCandidates(NpgsqlCommand command, IReadOnlyList<GramCandidate> candidates)
    {
        var first = command.Parameters.Count + 1;
        command.Parameters.AddWithValue(candidates.Select(c => c.Day).ToArray());
        command.Parameters.AddWithValue(candidates.Select(c => c.FileNo).ToArray());
        command.Parameters.AddWithValue(candidates.Select(c => c.OffsetLow).ToArray());
        command.Parameters.AddWithValue(candidates.Select(c => c.OffsetHigh).ToArray());
        return string.Create(
            CultureInfo.InvariantCulture,
            $"""
            unnest(${first}::date[], ${first + 1}::bigint[], ${first + 2}::bigint[], ${first + 3}::bigint[]) AS c(day, file_no, lo, hi)
            CROSS JOIN LATERAL (SELECT * FROM lines l WHERE l.file_no = c.file_no AND l.file_offset BETWEEN c.lo AND c.hi AND l.day = c.day OFFSET 0) l
            """);
    }

    // A regex's probes, one set per branch of its top-level alternation (RegexLiterals.Branches);
    // one empty set when nothing is known, which leaves the regexes' group out.
    private static IEnumerable<int[]> RegexProbes(string regex)
    {
        var branches = RegexLiterals.Branches(regex, GramBloom.GramBytes);
        return branches.Count == 0
            ? [[]]
            : branches.Select(texts => texts.SelectMany(text => GramBloom.ProbesOf(Encoding.UTF8.GetBytes(text))).Distinct().Order().ToArray());
    }

    // A group of ProbeGroups, unless one of its texts gives no probe (then it rules nothing out).
    private static void AddGroup(List<List<int[]>> groups, IEnumerable<int[]> texts)
    {
        var group = texts.ToList();
        if (group.Count > 0 && group.All(probes => probes.Length > 0))
        {
            groups.Add(group);
        }
    }

    // One file's open segment in a batch.
    private sealed class SegmentBuilder(long fileNo)
    {
        private readonly GramBloom _bloom = new();
        private long _offsetLow = long.MaxValue;
        private long _offsetHigh = long.MinValue;
        private DateTimeOffset _timeLow = DateTimeOffset.MaxValue;
        private DateTimeOffset _timeHigh = DateTimeOffset.MinValue;

        public int Lines { get; private set; }

        public long Bytes { get; private set; }

        public void Add(ReadOnlySpan<byte> text, long offset, DateTimeOffset time)
        {
            _bloom.Add(text);
            _offsetLow = Math.Min(_offsetLow, offset);
            _offsetHigh = Math.Max(_offsetHigh, offset);
            _timeLow = time < _timeLow ? time : _timeLow;
            _timeHigh = time > _timeHigh ? time : _timeHigh;
            Lines++;
            Bytes += text.Length;
        }

        public GramSegment Close()
        {
            var segment = new GramSegment(fileNo, _offsetLow, _offsetHigh, _timeLow, _timeHigh, Lines, _bloom.ToBytes());
            _bloom.Clear();
            _offsetLow = long.MaxValue;
            _offsetHigh = long.MinValue;
            _timeLow = DateTimeOffset.MaxValue;
            _timeHigh = DateTimeOffset.MinValue;
            Lines = 0;
            Bytes = 0;
            return segment;
        }
    }
}
