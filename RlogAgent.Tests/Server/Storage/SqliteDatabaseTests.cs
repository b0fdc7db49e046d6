using Microsoft.Data.Sqlite;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>What only the SQLite engine does: a file, WAL mode, and databases from before migrations.</summary>
[TestFixture]
public sealed class SqliteDatabaseTests
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
    public async Task Constructor_ExistingDatabase_KeepsLinesInWalMode()
    {
        using (var store = new LogStore(_databasePath))
        {
            await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("file-1", 4), DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }

        using var reopened = new LogStore(_databasePath);

        Assert.That(reopened.CountLines(), Is.EqualTo(4));
        Assert.That(Scalar("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public void Constructor_DatabaseInMissingFolder_CreatesFolder()
    {
        var path = Path.Combine(_folder, "nested", "deeper", "rlog.db");

        using var store = new LogStore(path);

        Assert.That(File.Exists(path), Is.True);
    }

    [Test]
    public void Constructor_DatabaseFromBeforeMigrations_UpgradedKeepingItsLines()
    {
        // The schema as it was before versions existed (user_version 0), with one line in it.
        using (var old = new SqliteConnection($"Data Source={_databasePath};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE agents (agent_uuid TEXT PRIMARY KEY, hostname TEXT NOT NULL DEFAULT '', os TEXT NOT NULL DEFAULT '',
                    agent_version TEXT NOT NULL DEFAULT '', first_registered_at_ms INTEGER NOT NULL, last_registered_at_ms INTEGER NOT NULL);
                CREATE TABLE lines (id INTEGER PRIMARY KEY, agent_uuid TEXT NOT NULL, file_id TEXT NOT NULL, file_offset INTEGER NOT NULL,
                    label TEXT NOT NULL, line TEXT NOT NULL, source TEXT NOT NULL, read_at_ms INTEGER, batch_id TEXT NOT NULL,
                    received_at_ms INTEGER NOT NULL, UNIQUE (agent_uuid, file_id, file_offset));
                INSERT INTO lines (agent_uuid, file_id, file_offset, label, line, source, read_at_ms, batch_id, received_at_ms)
                VALUES ('0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000', 'f', 0, 'app', 'old line', '/x', NULL, 'b', 1764313200000);
                """;
            create.ExecuteNonQuery();
        }

        using var store = new LogStore(_databasePath);

        var line = store.ReadLines().Single();
        Assert.Multiple(() =>
        {
            Assert.That(store.SchemaVersion, Is.EqualTo(4));
            Assert.That(line.Line, Is.EqualTo("old line"));
            Assert.That(line.Timestamp, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1764313200000)));
            Assert.That(Scalar("PRAGMA user_version"), Is.EqualTo(4));
        });
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
