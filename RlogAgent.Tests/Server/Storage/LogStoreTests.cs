using Google.Protobuf.WellKnownTypes;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class LogStoreTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private const string OtherAgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private readonly StorageEngineKind _engine;
    private TestDatabase _database = null!;

    public LogStoreTests(StorageEngineKind engine)
    {
        _engine = engine;
    }

    [SetUp]
    public async Task CreateDatabase() => _database = await TestDatabase.CreateAsync(_engine);

    [TearDown]
    public async Task DeleteDatabase() => await _database.DisposeAsync();

    [Test]
    public async Task StoreBatchAsync_SameLinesTwice_SecondCountsThemAsDuplicates()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 7);

        var first = await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var second = await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new BatchStoreResult(Stored: 7, Duplicates: 0)));
            Assert.That(second, Is.EqualTo(new BatchStoreResult(Stored: 0, Duplicates: 7)));
            Assert.That(store.CountLines(AgentUuid), Is.EqualTo(7));
        });
    }

    [Test]
    public async Task StoreBatchAsync_ResentOnALaterDay_StoredOnce()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 5);
        var monday = new DateTimeOffset(2026, 11, 23, 23, 59, 0, TimeSpan.Zero);

        await store.StoreBatchAsync(AgentUuid, batch, monday).WaitAsync(Timeout);
        var resent = await store.StoreBatchAsync(AgentUuid, batch, monday.AddDays(2)).WaitAsync(Timeout);
        var earlier = await store.StoreBatchAsync(AgentUuid, batch, monday.AddDays(-1)).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(resent, Is.EqualTo(new BatchStoreResult(Stored: 0, Duplicates: 5)));
            Assert.That(earlier, Is.EqualTo(new BatchStoreResult(Stored: 0, Duplicates: 5)));
            Assert.That(store.CountLines(), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task StoreBatchAsync_PartlyStoredTheDayBefore_OnlyTheNewLinesStored()
    {
        using var store = _database.Open();
        var monday = new DateTimeOffset(2026, 11, 23, 23, 59, 0, TimeSpan.Zero);
        var whole = LogBatches.Lines("file-1", 10);
        var firstHalf = new LogBatch { BatchId = "first-half" };
        firstHalf.Logs.Add(whole.Logs.Take(5));
        await store.StoreBatchAsync(AgentUuid, firstHalf, monday).WaitAsync(Timeout);
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-2", 3), monday).WaitAsync(Timeout);

        var resent = await store.StoreBatchAsync(AgentUuid, whole, monday.AddMinutes(2)).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(resent, Is.EqualTo(new BatchStoreResult(Stored: 5, Duplicates: 5)));
            Assert.That(store.CountLines(), Is.EqualTo(13));
            Assert.That(store.ReadLines().Select(l => (l.FileId, l.Offset)).Distinct().Count(), Is.EqualTo(13));
        });
    }

    [Test]
    public async Task StoreBatchAsync_SameKeyTwiceInOneBatch_StoredOnce()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 2);
        batch.Logs.Add(batch.Logs[0].Clone());

        var result = await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new BatchStoreResult(Stored: 2, Duplicates: 1)));
            Assert.That(store.CountLines(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task StoreBatchAsync_SameKeysFromTwoAgents_BothStored()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 3);

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var other = await store.StoreBatchAsync(OtherAgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(other.Stored, Is.EqualTo(3));
            Assert.That(store.CountLines(AgentUuid), Is.EqualTo(3));
            Assert.That(store.CountLines(OtherAgentUuid), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task StoreBatchAsync_ConcurrentResendsOfOneBatch_StoredOnce()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 200);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow)))).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(results.Sum(r => r.Stored), Is.EqualTo(200));
            Assert.That(results.Sum(r => r.Duplicates), Is.EqualTo(1000));
            Assert.That(store.CountLines(), Is.EqualTo(200));
        });
    }

    [Test]
    public async Task StoreBatchAsync_OffsetAboveInt64Max_ReadBackUnchanged()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 1);
        batch.Logs[0].Offset = ulong.MaxValue - 5;

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.That(store.ReadLines().Single().Offset, Is.EqualTo(ulong.MaxValue - 5));
    }

    [Test]
    public async Task StoreBatchAsync_LogWithoutTimestampOrLabel_StoredWithReceivedTime()
    {
        using var store = _database.Open();
        var batch = new LogBatch { BatchId = "b" };
        batch.Logs.Add(new Log { FileId = "file-1", Offset = 0, Line = "bare" });
        var receivedAt = new DateTimeOffset(2026, 11, 28, 7, 0, 0, 123, TimeSpan.Zero);

        var result = await store.StoreBatchAsync(AgentUuid, batch, receivedAt).WaitAsync(Timeout);

        var line = store.ReadLines().Single();
        Assert.Multiple(() =>
        {
            Assert.That(result.Stored, Is.EqualTo(1));
            Assert.That(
                (line.AgentUuid, line.Label, line.Line, line.Source, line.FileId, line.Offset, line.BatchId),
                Is.EqualTo((AgentUuid, "", "bare", "", "file-1", 0UL, "b")));
            Assert.That(line.Timestamp, Is.EqualTo(receivedAt));
            Assert.That(line.Attributes, Is.Empty);
        });
    }

    [Test]
    public async Task StoreBatchAsync_TimestampAndAttributes_ReadBackUnchanged()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 1);
        var eventTime = new DateTimeOffset(2026, 11, 27, 22, 15, 30, 250, TimeSpan.Zero);
        batch.Logs[0].Timestamp = Timestamp.FromDateTimeOffset(eventTime);
        batch.Logs[0].Attributes.Add("k8s.pod.name", "web-7f9c");
        batch.Logs[0].Attributes.Add("log.iostream", "stderr");
        batch.Logs[0].Attributes.Add("quote", "a \"b\" \n c");

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        var line = store.ReadLines().Single();
        Assert.Multiple(() =>
        {
            Assert.That(line.Timestamp, Is.EqualTo(eventTime));
            Assert.That(line.Attributes, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["k8s.pod.name"] = "web-7f9c",
                ["log.iostream"] = "stderr",
                ["quote"] = "a \"b\" \n c",
            }));
        });
    }

    [Test]
    public async Task StoreBatchAsync_SeverityNumberAndText_ReadBackAndFilteredByMinimum()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 3);
        batch.Logs[1].SeverityNumber = 13;
        batch.Logs[1].SeverityText = "warning";
        batch.Logs[2].SeverityNumber = 21;
        batch.Logs[2].SeverityText = "FATAL";

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var all = store.ReadLines(AgentUuid);
        var warnAndAbove = await store.Lines.QueryAsync(new LineQuery { MinSeverity = 13 }).WaitAsync(Timeout);
        var errorAndAbove = await store.Lines.QueryAsync(new LineQuery { MinSeverity = 17 }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(all.Select(l => (l.SeverityNumber, l.SeverityText)), Is.EqualTo(new[] { (0, ""), (13, "warning"), (21, "FATAL") }));
            Assert.That(warnAndAbove.Select(l => l.SeverityText), Is.EquivalentTo(new[] { "warning", "FATAL" }));
            Assert.That(errorAndAbove.Select(l => l.SeverityText), Is.EqualTo(new[] { "FATAL" }));
        });
    }

    [Test]
    public async Task ReadLastLinesAsync_MoreStoredThanAsked_NewestOnesOldestFirst()
    {
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 5);
        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        var last = await store.ReadLastLinesAsync(2);

        Assert.That(last.Select(line => line.Line), Is.EqualTo(batch.Logs.Skip(3).Select(log => log.Line)));
    }

    [Test]
    public async Task CountLinesByLabel_TwoLabels_CountsEachMostFirst()
    {
        using var store = _database.Open();
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-1", 2, label: "nginx"), DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-2", 3, label: "app"), DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);

        Assert.That(
            store.CountLinesByLabel(),
            Is.EqualTo(new[] { new LabelCount("app", 3), new LabelCount("nginx", 2) }));
    }

    [Test]
    public async Task StoreBatchAsync_LongestMultiByteLabelAndSource_StoredAndFoundByLabel()
    {
        // 3 bytes per character: past what one btree entry holds (2,704 bytes on PostgreSQL).
        var label = new string('€', IngestLimits.DefaultMaxLabelLength);
        var source = new string('€', IngestLimits.DefaultMaxSourceLength);
        using var store = _database.Open();
        var batch = LogBatches.Lines("file-1", 2, label: label);
        foreach (var log in batch.Logs)
        {
            log.Source = source;
        }

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var found = await store.Lines.QueryAsync(new LineQuery { Label = label }).WaitAsync(Timeout);
        var other = await store.Lines.QueryAsync(new LineQuery { Label = label[..^1] }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(found.Select(l => (l.Label, l.Source)), Is.EqualTo(new[] { (label, source), (label, source) }));
            Assert.That(other, Is.Empty);
        });
    }

    [Test]
    public async Task QueryAsync_NoLabelEventTimesSpreadOverDays_NewestByEventTimeOldestFirst()
    {
        using var store = _database.Open();
        var now = DateTimeOffset.UtcNow;
        var batch = LogBatches.Lines("file-1", 6);
        var ages = new[] { TimeSpan.FromDays(3), TimeSpan.FromDays(2), TimeSpan.FromHours(5), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10), -TimeSpan.FromHours(1) };
        for (var i = 0; i < ages.Length; i++)
        {
            batch.Logs[i].Timestamp = Timestamp.FromDateTimeOffset(now - ages[i]);
        }

        await store.StoreBatchAsync(AgentUuid, batch, now).WaitAsync(Timeout);
        var newest = await store.Lines.QueryAsync(new LineQuery { Limit = 4 }).WaitAsync(Timeout);
        var beforeAnHourAgo = await store.Lines.QueryAsync(new LineQuery { Limit = 2, Until = now - TimeSpan.FromHours(1) }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(newest.Select(l => l.Offset), Is.EqualTo(batch.Logs.Skip(2).Select(l => l.Offset)));
            Assert.That(beforeAnHourAgo.Select(l => l.Offset), Is.EqualTo(batch.Logs.Skip(1).Take(2).Select(l => l.Offset)));
        });
    }

    [Test]
    public async Task StoreBatchAsync_TwoReplicasOneDatabase_SameNamesAndFilesSharedAndDeduplicated()
    {
        using var first = _database.Open();
        using var second = _database.Open();
        var batch = LogBatches.Lines("file-1", 4, label: "web");
        var next = LogBatches.Lines("file-1", 3, firstOffset: 4 * 41, label: "web");

        var stored = await first.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var resent = await second.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var more = await second.StoreBatchAsync(AgentUuid, next, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var fromFirst = await first.Lines.QueryAsync(new LineQuery { Label = "web", AgentUuid = AgentUuid }).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That((stored.Stored, resent.Duplicates, more.Stored), Is.EqualTo((4, 4, 3)));
            Assert.That(
                fromFirst.Select(l => (l.FileId, l.Offset)),
                Is.EqualTo(batch.Logs.Concat(next.Logs).Select(l => ("file-1", l.Offset))));
            Assert.That(first.CountLinesByLabel(), Is.EqualTo(new[] { new LabelCount("web", 7) }));
        });
    }

    [Test]
    public async Task RecordRegistrationAsync_SameAgentTwice_OneAgentTwoRegistrations()
    {
        using var store = _database.Open();

        await store.Agents.RecordRegistrationAsync(AgentUuid, "host", "linux", "1", DateTimeOffset.UtcNow).WaitAsync(Timeout);
        await store.Agents.RecordRegistrationAsync(AgentUuid, "host", "linux", "2", DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(store.AgentUuids(), Is.EqualTo(new[] { AgentUuid }));
            Assert.That(store.CountRegistrations(AgentUuid), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task TryClaimAsync_SecondClaimOfOneUuid_Refused()
    {
        using var store = _database.Open();
        byte[] first = [1, 2, 3];
        byte[] second = [4, 5, 6];

        var claimed = await store.Agents.TryClaimAsync(AgentUuid, first, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var stolen = await store.Agents.TryClaimAsync(AgentUuid, second, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var state = await store.Agents.FindSecretAsync(AgentUuid).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(claimed, Is.True);
            Assert.That(stolen, Is.False);
            Assert.That(state, Has.Property(nameof(AgentSecretState.Exists)).True);
            Assert.That(state.SecretHash, Is.EqualTo(first));
        });
    }

    [Test]
    public async Task TryClaimAsync_AgentRegisteredBeforeSecrets_ClaimsIt()
    {
        using var store = _database.Open();
        await store.Agents.RecordRegistrationAsync(AgentUuid, "host", "linux", "1", DateTimeOffset.UtcNow).WaitAsync(Timeout);
        var before = await store.Agents.FindSecretAsync(AgentUuid).WaitAsync(Timeout);

        var claimed = await store.Agents.TryClaimAsync(AgentUuid, [7], DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(new AgentSecretState(true, null)));
            Assert.That(claimed, Is.True);
        });
    }

    [Test]
    public async Task Constructor_OpenedTwice_SchemaAtLatestVersionAndDataKept()
    {
        int version;
        using (var store = _database.Open())
        {
            version = store.SchemaVersion;
            await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-1", 4), DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }

        using var reopened = _database.Open();

        Assert.Multiple(() =>
        {
            Assert.That(reopened.CountLines(), Is.EqualTo(4));
            Assert.That(reopened.SchemaVersion, Is.EqualTo(version).And.GreaterThan(0));
            Assert.That(reopened.Kind, Is.EqualTo(_engine));
        });
    }

    [Test]
    public async Task Constructor_SeveralReplicasAtOnce_AllOpenOnOneSchema()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(_database.Open))).WaitAsync(Timeout);
        try
        {
            Assert.That(stores.Select(s => s.SchemaVersion).Distinct().Count(), Is.EqualTo(1));
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }
}
