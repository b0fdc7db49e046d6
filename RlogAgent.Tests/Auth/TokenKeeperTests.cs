using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rlog.V1;
using RlogAgent.Auth;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Auth;

[TestFixture]
public sealed class TokenKeeperTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TempFolder _temp = null!;
    private TestServer _server = null!;
    private GrpcChannel _channel = null!;

    [SetUp]
    public async Task StartServerAsync()
    {
        _temp = new TempFolder();
        _server = await TestServer.StartAsync().WaitAsync(Timeout);
        _channel = GrpcChannel.ForAddress(_server.Address);
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task EnsureFreshAsync_HostClockAheadOfServerByMoreThanTheLifetime_DoesNotRefreshEveryCall()
    {
        // The server's clock is the real one; the agent's is two hours ahead, so every
        // access_expires_at (15 minutes on) is already in the agent's past when it arrives.
        var agentClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(2));
        var tokens = NewTokenKeeper(agentClock);
        await tokens.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        for (var i = 0; i < 5; i++)
        {
            await tokens.EnsureFreshAsync(CancellationToken.None).WaitAsync(Timeout);
        }

        Assert.That(tokens.Refreshes, Is.Zero);
    }

    [Test]
    public async Task EnsureFreshAsync_HostClockAheadAndFallbackLifetimePassed_RefreshesOnce()
    {
        var agentClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(2));
        var tokens = NewTokenKeeper(agentClock);
        await tokens.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        agentClock.Advance(TokenKeeper.FallbackLifetime);
        await tokens.EnsureFreshAsync(CancellationToken.None).WaitAsync(Timeout);
        await tokens.EnsureFreshAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.That(tokens.Refreshes, Is.EqualTo(1));
    }

    [Test]
    public async Task EnsureFreshAsync_ClocksAgreeAndLifetimeNearlyOver_Refreshes()
    {
        var agentClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = NewTokenKeeper(agentClock);
        await tokens.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        // The whole lifetime: what the agent measured is the lifetime plus the call's time in flight.
        agentClock.Advance(_server.Options.AccessTokenLifetime);
        await tokens.EnsureFreshAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.That(tokens.Refreshes, Is.EqualTo(1));
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "POSIX file modes")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task StartAsync_ServerIssuesSecret_StoredOwnerOnly()
    {
        var tokens = NewTokenKeeper(TimeProvider.System);

        await tokens.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        var path = _temp.Combine("state", AgentStateStore.SecretFileName);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(path).Trim(), Is.Not.Empty);
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });
    }

    [Test]
    public async Task RenewAsync_RefreshRefusedAndRestarted_ReRegistersUnderTheSameUuidWithItsSecret()
    {
        var first = NewTokenKeeper(TimeProvider.System);
        await first.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        _server.Tokens.RevokeRefreshTokens(first.AgentUuid!);

        var restarted = NewTokenKeeper(TimeProvider.System);
        await restarted.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(restarted.AgentUuid, Is.EqualTo(first.AgentUuid));
            Assert.That(restarted.Registrations, Is.EqualTo(1));
            Assert.That(_server.Store.AgentUuids(), Is.EqualTo(new[] { first.AgentUuid }));
        });
    }

    [Test]
    public async Task StartAsync_SecretFileLost_ServerGivesANewUuid()
    {
        var first = NewTokenKeeper(TimeProvider.System);
        await first.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        _server.Tokens.RevokeRefreshTokens(first.AgentUuid!);
        File.Delete(_temp.Combine("state", AgentStateStore.SecretFileName));

        var restarted = NewTokenKeeper(TimeProvider.System);
        await restarted.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(restarted.AgentUuid, Is.Not.EqualTo(first.AgentUuid));
            Assert.That(new AgentStateStore(_temp.Combine("state")).LoadUuid(), Is.EqualTo(restarted.AgentUuid));
        });
    }

    [Test]
    public async Task StartAsync_ServerIssuesNoSecret_RegistersAndReRegistersByUuidAsBefore()
    {
        await _server.DisposeAsync();
        _server = await TestServer.StartAsync(options => options.IssueAgentSecrets = false).WaitAsync(Timeout);
        _channel.Dispose();
        _channel = GrpcChannel.ForAddress(_server.Address);
        var first = NewTokenKeeper(TimeProvider.System);
        await first.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        _server.Tokens.RevokeRefreshTokens(first.AgentUuid!);

        var restarted = NewTokenKeeper(TimeProvider.System);
        await restarted.StartAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(_temp.Combine("state", AgentStateStore.SecretFileName)), Is.False);
            Assert.That(restarted.AgentUuid, Is.EqualTo(first.AgentUuid));
        });
    }

    private TokenKeeper NewTokenKeeper(TimeProvider clock)
    {
        var state = new AgentStateStore(_temp.Combine("state"));
        state.EnsureFolder();
        return new TokenKeeper(
            new AuthService.AuthServiceClient(_channel),
            state,
            TestServer.ProjectKey,
            _temp.Combine("agent.yaml"),
            "0.1.0-test",
            NullLogger.Instance,
            clock);
    }
}
