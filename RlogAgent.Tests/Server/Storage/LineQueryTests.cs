using Google.Protobuf.WellKnownTypes;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class LineQueryTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private const string OtherAgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 7, 0, 0, TimeSpan.Zero);

    private readonly StorageEngineKind _engine;
    private TestDatabase _database = null!;
    private LogStore _store = null!;

    public LineQueryTests(StorageEngineKind engine)
    {
        _engine = engine;
    }

    [SetUp]
    public async Task CreateDatabase()
    {
        _database = await TestDatabase.CreateAsync(_engine);
        _store = _database.Open();
        // Minute i of the morning: "app" lines 0..9 of one agent, "web" lines 0..4 of another,
        // stored newest first so that storage order is not event order.
        await StoreAsync(AgentUuid, "app", 10);
        await StoreAsync(OtherAgentUuid, "web", 5);
    }

    [TearDown]
    public async Task DeleteDatabase()
    {
        _store.Dispose();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task QueryAsync_LabelAndTimeRange_MatchingLinesNewestLast()
    {
        var lines = await _store.Lines.QueryAsync(new LineQuery
        {
            Label = "app",
            Since = Start.AddMinutes(3),
            Until = Start.AddMinutes(7),
        }).WaitAsync(Timeout);

        Assert.That(lines.Select(l => l.Line), Is.EqualTo(new[] { "app 3", "app 4", "app 5", "app 6" }));
    }

    [Test]
    public async Task QueryAsync_Limit_NewestOnesOldestFirst()
    {
        var lines = await _store.Lines.QueryAsync(new LineQuery { Label = "app", Limit = 3 }).WaitAsync(Timeout);

        Assert.That(lines.Select(l => l.Line), Is.EqualTo(new[] { "app 7", "app 8", "app 9" }));
    }

    [Test]
    public async Task QueryAsync_AgentAndContains_OnlyThoseLines()
    {
        var lines = await _store.Lines.QueryAsync(new LineQuery { AgentUuid = OtherAgentUuid, Contains = "b 2" }).WaitAsync(Timeout);

        Assert.That(lines.Select(l => (l.Line, l.AgentUuid)), Is.EqualTo(new[] { ("web 2", OtherAgentUuid) }));
    }

    [Test]
    public async Task QueryAsync_NoFilter_AllLinesByEventTime()
    {
        var lines = await _store.Lines.QueryAsync(new LineQuery()).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(15));
            Assert.That(lines.Select(l => l.Timestamp), Is.Ordered);
        });
    }

    [Test]
    public async Task QueryAsync_NoLabelMatchesSpreadOverDays_NewestOnesExactAcrossTheWindows()
    {
        // Without a label, PostgreSQL reads newest-first windows (the last second, minute, hour,
        // then each twice the one before); the page here takes lines from five of them.
        var now = DateTimeOffset.UtcNow;
        double[] hoursAgo = [0.0001, 0.01, 0.5, 1.5, 5, 30, 200, 400];
        for (var i = 0; i < hoursAgo.Length; i++)
        {
            var batch = LogBatches.Lines("spread-file", 1, firstOffset: (ulong)i * 100, label: "spread");
            batch.Logs[0].Line = $"needle {i}";
            batch.Logs[0].Timestamp = Timestamp.FromDateTimeOffset(now.AddHours(-hoursAgo[i]));
            await _store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }

        var newest = await _store.Lines.QueryAsync(new LineQuery { Contains = "needle", Limit = 5 }).WaitAsync(Timeout);
        var all = await _store.Lines.QueryAsync(new LineQuery { Contains = "needle", Limit = 100 }).WaitAsync(Timeout);
        var sinceADay = await _store.Lines.QueryAsync(new LineQuery { Contains = "needle", Since = now.AddDays(-1) }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(newest.Select(l => l.Line), Is.EqualTo(new[] { "needle 4", "needle 3", "needle 2", "needle 1", "needle 0" }), "the newest five, oldest first");
            Assert.That(all.Select(l => l.Line), Is.EqualTo(Enumerable.Range(0, 8).Reverse().Select(i => $"needle {i}")));
            Assert.That(sinceADay.Select(l => l.Line), Is.EqualTo(Enumerable.Range(0, 5).Reverse().Select(i => $"needle {i}")));
        });
    }

    [Test]
    public async Task ReadAfterAsync_IdOfLastSeen_OnlyLaterLinesInStorageOrder()
    {
        var cursor = await _store.Lines.MaxIdAsync().WaitAsync(Timeout);
        var batch = LogBatches.Lines("later", 2, label: "app");

        await _store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var later = await _store.Lines.ReadAfterAsync(new LineQuery { Label = "app" }, cursor).WaitAsync(Timeout);

        Assert.That(later.Select(l => l.Line), Is.EqualTo(batch.Logs.Select(l => l.Line)));
    }

    private async Task StoreAsync(string agentUuid, string label, int count)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            var batch = LogBatches.Lines($"{label}-file", 1, firstOffset: (ulong)i * 100, label: label);
            batch.Logs[0].Line = $"{label} {i}";
            batch.Logs[0].Timestamp = Timestamp.FromDateTimeOffset(Start.AddMinutes(i));
            await _store.StoreBatchAsync(agentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }
    }
}
