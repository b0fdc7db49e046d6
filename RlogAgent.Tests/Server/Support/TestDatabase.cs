using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Support;

/// <summary>
/// One empty database for one test, on either engine: a SQLite file in a temp folder, or a
/// database of its own in the shared <see cref="PostgresCluster"/>. Dispose deletes it.
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _folder;

    private TestDatabase(StorageEngineKind kind, string dsn, string? folder)
    {
        Kind = kind;
        Dsn = dsn;
        _folder = folder;
    }

    public StorageEngineKind Kind { get; }

    /// <summary>What <c>--db</c> takes: the SQLite path, or the PostgreSQL DSN.</summary>
    public string Dsn { get; }

    public static async Task<TestDatabase> CreateAsync(StorageEngineKind kind)
    {
        if (kind == StorageEngineKind.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("rlog-db-test-").FullName;
            return new TestDatabase(kind, Path.Combine(folder, "rlog.db"), folder);
        }

        var cluster = await PostgresCluster.GetAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return new TestDatabase(kind, await cluster.CreateDatabaseAsync().WaitAsync(TimeSpan.FromSeconds(30)), null);
    }

    public LogStore Open() => new(Dsn);

    public async ValueTask DisposeAsync()
    {
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
            return;
        }

        var cluster = await PostgresCluster.GetAsync();
        await cluster.DropDatabaseAsync(Dsn).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
