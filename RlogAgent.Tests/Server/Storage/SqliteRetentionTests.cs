using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage.Sqlite;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>Retention on SQLite deletes in short transactions that never scan the table under the writer lock.</summary>
[TestFixture]
public sealed class SqliteRetentionTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;
    private static readonly DateTimeOffset Old = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("rlog-retention-test-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase("lines")]
    [TestCase("heartbeats")]
    public void SliceDeleteSql_UnderTheWriterLock_SearchesByIdNeverScans(string table)
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "rlog.db"), NullLogger.Instance);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "rlog.db")}");
        connection.Open();
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteRetention.SliceDeleteSql(table);
        explain.Parameters.AddWithValue("$last", 100);
        explain.Parameters.AddWithValue("$cutoff", 0);
        explain.Parameters.AddWithValue("$slice", 10);
        var plan = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        // A scan of the whole table held every Send up while retention ran.
        Assert.That(plan, Has.None.StartsWith("SCAN"), string.Join(" | ", plan));
        Assert.That(plan, Has.Some.Contains("INTEGER PRIMARY KEY"), string.Join(" | ", plan));
    }

    [Test]
    public async Task DeleteReceivedBeforeAsync_OldThenNewBatches_DeletesOnlyTheOldInSlices()
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "rlog.db"), NullLogger.Instance);
        for (var i = 0; i < 5; i++)
        {
            await database.Lines.StoreBatchAsync(AgentUuid, LogBatches.Lines($"old-{i}", 3), Old.AddMinutes(i)).WaitAsync(Timeout);
        }

        await database.Lines.StoreBatchAsync(AgentUuid, LogBatches.Lines("new", 4), Old.AddDays(10)).WaitAsync(Timeout);

        var deleted = await SqliteRetention.DeleteReceivedBeforeAsync(database, "lines", Old.AddDays(1), CancellationToken.None, sliceRows: 4).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(deleted, Is.EqualTo(15));
            Assert.That(database.Lines.ReadLines(AgentUuid).Select(l => l.FileId), Is.All.EqualTo("new"));
            Assert.That(database.Lines.CountLines(AgentUuid), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task LastIdBefore_CutoffBeforeEveryRowOrAfterEvery_NoneOrTheLast()
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "rlog.db"), NullLogger.Instance);
        await database.Lines.StoreBatchAsync(AgentUuid, LogBatches.Lines("a", 7), Old).WaitAsync(Timeout);
        await database.Lines.StoreBatchAsync(AgentUuid, LogBatches.Lines("b", 6), Old.AddHours(1)).WaitAsync(Timeout);

        var none = database.Read(c => SqliteRetention.LastIdBefore(c, "lines", Old.ToUnixTimeMilliseconds()));
        var middle = database.Read(c => SqliteRetention.LastIdBefore(c, "lines", Old.AddMinutes(30).ToUnixTimeMilliseconds()));
        var all = database.Read(c => SqliteRetention.LastIdBefore(c, "lines", Old.AddDays(1).ToUnixTimeMilliseconds()));
        var ids = database.Lines.ReadLines(AgentUuid).Select(l => l.Id).Order().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(none, Is.Null);
            Assert.That(middle, Is.EqualTo(ids[6]));
            Assert.That(all, Is.EqualTo(ids[^1]));
        });
    }
}
