using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Rlog.V1;
using RlogAgent.Auth;
using RlogAgent.Common;
using RlogAgent.Health;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Health;

/// <summary>The heartbeat loop against a real server: failures that are not the call's cost one beat, not the loop.</summary>
[TestFixture]
public sealed class HeartbeatLoopTests
{
    private TempFolder _temp = null!;
    private TestServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _temp = new TempFolder();
        _server = await TestServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task RunAsync_SavingARotatedTokenFailsWithIOException_NextBeatsStillGo()
    {
        using var channel = GrpcChannel.ForAddress(_server.Address);
        var tokens = new TokenKeeper(new AuthService.AuthServiceClient(channel), new AgentStateStore(_temp.Combine("state")), TestServer.ProjectKey, _temp.Combine("agent.yaml"), "test", NullLogger.Instance, TimeProvider.System);
        await tokens.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        var flaky = new FailingOnce(tokens);
        var invoker = channel.Intercept(new BearerTokenInterceptor(() => tokens.AccessToken));
        var loop = new HeartbeatLoop(new HealthService.HealthServiceClient(invoker), flaky, new AgentCounters(), () => 0, "test", TimeSpan.FromMilliseconds(100), NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();

        var run = loop.RunAsync(stop.Token);
        await Eventually.WaitAsync(() => _server.Store.CountHeartbeats() >= 3, "heartbeats after the failed beat");
        await stop.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(flaky.Failed, Is.True, "the first beat hit the failure");
        Assert.That(run.IsCompletedSuccessfully, Is.True, "a stop ends the loop quietly");
    }

    /// <summary>The first freshness check fails as a full disk fails a token write; then the real source.</summary>
    private sealed class FailingOnce(ITokenSource inner) : ITokenSource
    {
        private int _calls;

        public bool Failed => Volatile.Read(ref _calls) > 0;

        public Task EnsureFreshAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new IOException("No space left on device : 'state/token'")
                : inner.EnsureFreshAsync(cancellationToken);

        public Task RenewAsync(CancellationToken cancellationToken) => inner.RenewAsync(cancellationToken);
    }
}
