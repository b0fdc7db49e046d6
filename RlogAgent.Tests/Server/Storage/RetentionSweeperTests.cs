using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class RetentionSweeperTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly StorageEngineKind _engine;
    private TestDatabase _database = null!;

    public RetentionSweeperTests(StorageEngineKind engine)
    {
        _engine = engine;
    }

    [SetUp]
    public async Task CreateDatabase() => _database = await TestDatabase.CreateAsync(_engine);

    [TearDown]
    public async Task DeleteDatabase() => await _database.DisposeAsync();

    [Test]
    public async Task SweepAsync_LinesAndHeartbeatsOlderThanRetention_RemovedNewerKept()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        using var store = _database.Open();
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("old", 3), now.AddDays(-10)).WaitAsync(Timeout);
        await store.StoreBatchAsync(AgentUuid, LogBatches.Lines("new", 2), now.AddHours(-1)).WaitAsync(Timeout);
        await store.RecordHeartbeatAsync(AgentUuid, new HeartbeatRequest(), now.AddDays(-9)).WaitAsync(Timeout);
        await store.RecordHeartbeatAsync(AgentUuid, new HeartbeatRequest(), now.AddMinutes(-5)).WaitAsync(Timeout);
        var sweeper = new RetentionSweeper(store, Retention, new FakeTimeProvider(now), NullLogger.Instance);

        await sweeper.SweepAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(store.ReadLines().Select(l => l.FileId).Distinct(), Is.EqualTo(new[] { "new" }));
            Assert.That(store.CountLines(), Is.EqualTo(2));
            Assert.That(store.CountHeartbeats(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task SweepAsync_RevokedTokenIssuedBeforeCutoff_Removed()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(now.AddDays(-20));
        using var store = _database.Open();
        var tokens = new TokenService(store, new ServerOptions { ProjectKeys = ["k"] }, clock);
        await tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);
        tokens.RevokeRefreshTokens(AgentUuid);
        clock.SetUtcNow(now);
        await tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);
        var before = store.Agents.CountTokens();
        var sweeper = new RetentionSweeper(store, Retention, clock, NullLogger.Instance);

        await sweeper.SweepAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            // Issuing the second pair already purged the first access token (expired); the
            // first refresh token, revoked, was issued 20 days ago, past the 7-day retention.
            Assert.That(before, Is.EqualTo(3));
            Assert.That(store.Agents.CountTokens(), Is.EqualTo(2));
        });
    }
}
