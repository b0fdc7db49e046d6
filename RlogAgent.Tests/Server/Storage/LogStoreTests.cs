using Microsoft.Data.Sqlite;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture]
public sealed class LogStoreTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private string _folder = null!;
    private string _databasePath = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("rlog-store-test-").FullName;
        _databasePath = Path.Combine(_folder, "rlog.db");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task StoreBatchAsync_SameLinesTwice_SecondCountsThemAsDuplicates()
    {
        using var store = new LogStore(_databasePath);
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
    public async Task StoreBatchAsync_OffsetAboveInt64Max_ReadBackUnchanged()
    {
        using var store = new LogStore(_databasePath);
        var batch = LogBatches.Lines("file-1", 1);
        batch.Logs[0].Offset = ulong.MaxValue - 5;

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.That(store.ReadLines().Single().Offset, Is.EqualTo(ulong.MaxValue - 5));
    }

    [Test]
    public async Task StoreBatchAsync_LogWithoutTimestampOrLabel_Stored()
    {
        using var store = new LogStore(_databasePath);
        var batch = new LogBatch { BatchId = "b" };
        batch.Logs.Add(new Log { FileId = "file-1", Offset = 0, Line = "bare" });

        var result = await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(result.Stored, Is.EqualTo(1));
            Assert.That(store.ReadLines().Single(), Is.EqualTo(new StoredLine(AgentUuid, "", "bare", "", "file-1", 0, "b")));
        });
    }

    [Test]
    public async Task ReadLastLines_MoreStoredThanAsked_NewestOnesOldestFirst()
    {
        using var store = new LogStore(_databasePath);
        var batch = LogBatches.Lines("file-1", 5);
        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);

        var last = store.ReadLastLines(2);

        Assert.That(last.Select(line => line.Line), Is.EqualTo(batch.Logs.Skip(3).Select(log => log.Line)));
    }

    [Test]
    public async Task CountLinesByLabel_TwoLabels_CountsEachMostFirst()
    {
        using var store = new LogStore(_databasePath);
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-1", 2, label: "nginx"), DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-2", 3, label: "app"), DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);

        Assert.That(
            store.CountLinesByLabel(),
            Is.EqualTo(new[] { new LabelCount("app", 3), new LabelCount("nginx", 2) }));
    }

    [Test]
    public async Task RecordRegistrationAsync_SameAgentTwice_OneAgentTwoRegistrations()
    {
        using var store = new LogStore(_databasePath);

        var first = await store.RecordRegistrationAsync(AgentUuid, "host", "linux", "1", DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);
        var second = await store.RecordRegistrationAsync(AgentUuid, "host", "linux", "2", DateTimeOffset.UtcNow)
            .WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(store.AgentUuids(), Is.EqualTo(new[] { AgentUuid }));
            Assert.That(store.CountRegistrations(AgentUuid), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Constructor_ExistingDatabase_KeepsLinesInWalMode()
    {
        using (var store = new LogStore(_databasePath))
        {
            await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-1", 4), DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }

        using var reopened = new LogStore(_databasePath);

        Assert.That(reopened.CountLines(), Is.EqualTo(4));
        using var connection = new SqliteConnection($"Data Source={_databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
    }

    [Test]
    public void Constructor_DatabaseInMissingFolder_CreatesFolder()
    {
        var path = Path.Combine(_folder, "nested", "deeper", "rlog.db");

        using var store = new LogStore(path);

        Assert.That(File.Exists(path), Is.True);
    }
}
