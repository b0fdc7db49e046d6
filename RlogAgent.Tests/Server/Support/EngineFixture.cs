using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Logging;
using RlogAgent.Tests.Support;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Support;

/// <summary>
/// Base of fixtures that run every test on both storage engines: a fresh database per test,
/// and a <see cref="TestServer"/> on it.
/// </summary>
public abstract class EngineFixture
{
    private TestDatabase _database = null!;

    protected EngineFixture(StorageEngineKind engine)
    {
        Engine = engine;
    }

    protected StorageEngineKind Engine { get; }

    /// <summary>The test's database, as <c>--db</c> takes it.</summary>
    protected string Database => _database.Dsn;

    [SetUp]
    public async Task CreateDatabaseAsync() => _database = await TestDatabase.CreateAsync(Engine);

    [TearDown]
    public async Task DeleteDatabaseAsync() => await _database.DisposeAsync();

    /// <summary>Starts a server on the test's database.</summary>
    protected Task<TestServer> StartServerAsync(
        Action<ServerOptions>? configure = null,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? timeProvider = null,
        Action<GrpcServiceOptions>? grpc = null) =>
        TestServer.StartAsync(
            options =>
            {
                options.Database = Database;
                configure?.Invoke(options);
            },
            logging: logging,
            timeProvider: timeProvider,
            grpc: grpc);
}
