using Google.Protobuf.WellKnownTypes;
using Npgsql;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;
using RlogServer.Storage.Console;
using RlogServer.Storage.Postgres;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>
/// Substring searches through PostgreSQL's search segments (line_grams), on a real cluster: a rare
/// text reads only the segments that may hold it and finds every line that does, once; lines
/// stored before the segments are still found; and rows go with their day.
/// </summary>
public sealed class LineGramsSearchTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0042";
    private const string Rare = "needle-31337";
    private const int Files = 30;
    private const int LinesPerFile = 300;
    private static readonly TimeSpan Timeout = ServerClient.Timeout;
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddHours(-2);
    private static readonly TimeRange Range = new(Start.AddHours(-1), Start.AddHours(1));

    private TestDatabase _database = null!;
    private LogStore _store = null!;

    [SetUp]
    public async Task CreateDatabase()
    {
        _database = await TestDatabase.CreateAsync(StorageEngineKind.Postgres);
        _store = _database.Open();
        // Thirty files of 300 lines, one second apart; the rare text in file 7's line 10 and file
        // 21's line 250.
        for (var file = 0; file < Files; file++)
        {
            await _store.StoreBatchAsync(AgentUuid, FileBatch(file), DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }
    }

    [TearDown]
    public async Task DeleteDatabase()
    {
        _store.Dispose();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task Search_RareText_ReadsOnlyTheSegmentsThatMayHoldItAndFindsEveryLine()
    {
        await using var connection = await OpenAsync();
        var candidates = await PostgresLineGrams.CandidatesAsync(connection, PostgresLineGrams.ProbeGroups([Rare], []), Range, CancellationToken.None).WaitAsync(Timeout);
        var everyText = await PostgresLineGrams.CandidatesAsync(connection, PostgresLineGrams.ProbeGroups(["request"], []), Range, CancellationToken.None).WaitAsync(Timeout);

        var found = await SearchAsync(Rare);

        Assert.Multiple(() =>
        {
            Assert.That(candidates, Is.Not.Null);
            Assert.That(candidates!, Has.Count.InRange(2, 4), "the two segments that hold it, and a chance false one or two of 30");
            Assert.That(everyText!, Has.Count.EqualTo(Files), "a text in every line: every segment");
            Assert.That(found, Is.EqualTo(new[] { $"f21 250 {Rare}", $"f7 10 {Rare}" }));
        });
    }

    [Test]
    public async Task Query_RareText_TheCommandLinesQueryReadsTheSegmentsToo()
    {
        var found = await _store.Lines.QueryAsync(new LineQuery { Contains = Rare }).WaitAsync(Timeout);
        var since = await _store.Lines.QueryAsync(new LineQuery { Contains = Rare, Since = Start.AddSeconds(10) }).WaitAsync(Timeout);
        await ExecuteAsync("DELETE FROM line_grams");
        var withoutSegments = await _store.Lines.QueryAsync(new LineQuery { Contains = Rare }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(found.Select(l => l.Line), Is.EqualTo(new[] { $"f7 10 {Rare}", $"f21 250 {Rare}" }), "oldest first");
            Assert.That(since.Select(l => l.Line), Is.EqualTo(new[] { $"f21 250 {Rare}" }));
            Assert.That(withoutSegments, Is.Empty, "only what the segments name is read");
        });
    }

    [Test]
    public async Task Histogram_RareText_CountsTheLinesOfTheSegments()
    {
        var counts = await _store.Console.HistogramAsync(new LineFilter { Contains = [Rare] }, new TimeRange(Start, Start.AddSeconds(30)), 3).WaitAsync(Timeout);

        Assert.That(counts, Is.EqualTo(new long[] { 1, 0, 1 }), "f7 at 7 s, f21 at 21.25 s");
    }

    [Test]
    public async Task Search_RegexWithAFixedText_ReadsOnlyItsSegmentsAndFindsWhatAScanFinds()
    {
        // Each regex's answer through the segments, against PostgreSQL's own scan of every line.
        string[] patterns =
        [
            "needle-3+1337$", "^f7 1[0-9] needle", "f(7|21) [0-9]+ needle-31337", "^f2[0-9] 25[0-9]? need",
            "needle-31337|f3 299 ", "items/1[0-9]*7 status", "f1{2} 2\\d\\d request", "^f0 .* status=200$",
        ];
        await using var connection = await OpenAsync();
        var candidates = await PostgresLineGrams.CandidatesAsync(connection, PostgresLineGrams.ProbeGroups([], ["^f7 1[0-9] needle"]), Range, CancellationToken.None)
            .WaitAsync(Timeout);
        var found = new Dictionary<string, List<string>>();
        var scanned = new Dictionary<string, List<string>>();
        foreach (var pattern in patterns)
        {
            found[pattern] = await SearchAsync(new LineFilter { Regex = [pattern] }, limit: 1000);
            scanned[pattern] = await ScanAsync("l.line ~ $1", pattern);
        }

        var withContains = await SearchAsync(new LineFilter { Contains = ["f7 "], Regex = ["needle-3133[0-9]"] });
        var bothRare = await SearchAsync(new LineFilter { Contains = [Rare], Regex = ["status=200"] });
        var histogram = await _store.Console.HistogramAsync(new LineFilter { Regex = ["needle-3+1337"] }, new TimeRange(Start, Start.AddSeconds(30)), 3)
            .WaitAsync(Timeout);
        await ExecuteAsync("DELETE FROM line_grams");
        var withoutSegments = await SearchAsync(new LineFilter { Regex = ["^f7 1[0-9] needle"] });

        Assert.Multiple(() =>
        {
            Assert.That(candidates!, Has.Count.InRange(1, 3), "the segment that holds needle, and a chance false one or two of 30");
            foreach (var pattern in patterns)
            {
                Assert.That(found[pattern], Is.EqualTo(scanned[pattern]), pattern);
            }

            Assert.That(scanned["^f0 .* status=200$"], Has.Count.EqualTo(LinesPerFile), "the test's patterns find lines");
            Assert.That(withContains, Is.EqualTo(new[] { $"f7 10 {Rare}" }), "a contains too short to test leaves the regex to narrow");
            Assert.That(bothRare, Is.Empty, "a line must pass the contains and the regex");
            Assert.That(histogram, Is.EqualTo(new long[] { 1, 0, 1 }));
            Assert.That(withoutSegments, Is.Empty, "only what the segments name is read");
        });
    }

    [Test]
    public async Task Search_TextShorterThanAGramOrInMostLines_StillExact()
    {
        Assert.Multiple(async () =>
        {
            Assert.That(await SearchAsync("f7 1", limit: 1000), Has.Count.EqualTo(111), "f7 1, f7 10-19, f7 100-199");
            Assert.That(await SearchAsync("f7 ", limit: 1000), Has.Count.EqualTo(LinesPerFile), "3 bytes: no gram to test");
            Assert.That(await SearchAsync("31337", limit: 1000), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task Search_BatchStoredTwice_EachLineFoundOnce()
    {
        var resent = FileBatch(7);
        var result = await _store.StoreBatchAsync(AgentUuid, resent, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(async () =>
        {
            Assert.That(result.Duplicates, Is.EqualTo(LinesPerFile), "the re-sent batch stored nothing new");
            Assert.That(await CountAsync("SELECT count(*) FROM line_grams"), Is.EqualTo(Files + 1), "but its segment was written");
            Assert.That(await SearchAsync(Rare), Is.EqualTo(new[] { $"f21 250 {Rare}", $"f7 10 {Rare}" }));
        });
    }

    [Test]
    public async Task Search_LinesStoredBeforeTheSegments_FoundByScanningAsBefore()
    {
        // Without its segments a line is not found while the batches claim to have them: the
        // search reads only what the segments name.
        await ExecuteAsync("DELETE FROM line_grams");
        var withoutSegments = await SearchAsync(Rare);

        // Batches from before line_grams (what the migration marks them): the search scans.
        await ExecuteAsync("UPDATE batches SET grams = false");
        _store.Dispose();
        _store = _database.Open();

        Assert.Multiple(async () =>
        {
            Assert.That(withoutSegments, Is.Empty);
            Assert.That(await SearchAsync(Rare), Is.EqualTo(new[] { $"f21 250 {Rare}", $"f7 10 {Rare}" }));
        });
    }

    [Test]
    public void BatchRow_WithoutGrams_RefusedSoAnOlderServerCannotStoreUnsearchableLines()
    {
        var refused = Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(
            $"INSERT INTO batches (agent_uuid, batch_id, day, received_at) VALUES ('{AgentUuid}', 'old', current_date, now())"));

        Assert.That(refused!.SqlState, Is.EqualTo(PostgresErrorCodes.NotNullViolation));
    }

    [Test]
    public async Task DeleteReceivedBefore_DaysDropped_TheirSegmentsGoToo()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-3);
        await _store.StoreBatchAsync(AgentUuid, FileBatch(99), old).WaitAsync(Timeout);

        await _store.Lines.DeleteReceivedBeforeAsync(DateTimeOffset.UtcNow.AddDays(-1)).WaitAsync(Timeout);

        Assert.That(await CountAsync($"SELECT count(*) FROM line_grams WHERE day < current_date - 1"), Is.Zero);
        Assert.That(await CountAsync("SELECT count(*) FROM line_grams"), Is.EqualTo(Files));
    }

    // File f's 300 lines, one second apart from Start + f seconds; the rare text in two of them.
    private static Rlog.V1.LogBatch FileBatch(int file)
    {
        var batch = LogBatches.Lines($"file-{file}", LinesPerFile);
        for (var i = 0; i < batch.Logs.Count; i++)
        {
            var planted = (file, i) is (7, 10) or (21, 250);
            batch.Logs[i].Line = $"f{file} {i} " + (planted ? Rare : $"request handled path=/api/v1/items/{(file * 7919) + (i * 104729) % 99991} status=200");
            batch.Logs[i].Timestamp = Timestamp.FromDateTimeOffset(Start.AddSeconds(file + (i * 0.001)));
        }

        return batch;
    }

    private Task<List<string>> SearchAsync(string text, int limit = 100) => SearchAsync(new LineFilter { Contains = [text] }, limit);

    private async Task<List<string>> SearchAsync(LineFilter filter, int limit = 100) =>
        [.. (await _store.Console.SearchAsync(filter, Range, after: null, limit).WaitAsync(Timeout)).Select(l => l.Line)];

    // Every stored line meeting the condition (on its one parameter), newest first as a search orders them.
    private async Task<List<string>> ScanAsync(string condition, string value)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT l.line FROM lines l WHERE {condition} ORDER BY l.ts DESC, l.id DESC", connection);
        command.Parameters.AddWithValue(value);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync().WaitAsync(Timeout);
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(DatabaseLocation.Parse(_database.Dsn).ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().WaitAsync(Timeout);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync().WaitAsync(Timeout))!;
    }
}
