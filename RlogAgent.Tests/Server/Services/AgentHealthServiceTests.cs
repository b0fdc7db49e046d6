using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;

using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Services;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class AgentHealthServiceTests : EngineFixture
{
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    public AgentHealthServiceTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [Test]
    public async Task Heartbeat_WithAccessToken_RecordedWithEveryField()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();
        var sentAt = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

        await client.Health.HeartbeatAsync(
            new HeartbeatRequest
            {
                Timestamp = Timestamp.FromDateTimeOffset(sentAt),
                Cpu = 12.5,
                Memory = 40.25,
                AgentVersion = "0.1.0-test",
                LinesRead = 1000,
                LinesConfirmed = 990,
                BatchesUnconfirmed = 2,
                SendRetries = 3,
                FilesOpen = 4,
                ProcessCpu = 1.5,
                ProcessRssBytes = 50_000_000,
            },
            ServerClient.Bearer(registered.AccessToken)).ResponseAsync.WaitAsync(Timeout);

        Assert.That(server.Store.CountHeartbeats(registered.AgentUuid), Is.EqualTo(1));
        var heartbeat = server.Store.ReadHeartbeats(registered.AgentUuid).Single();
        Assert.Multiple(() =>
        {
            Assert.That(heartbeat.AgentUuid, Is.EqualTo(registered.AgentUuid));
            Assert.That(heartbeat.Timestamp, Is.EqualTo(sentAt));
            Assert.That(heartbeat.Cpu, Is.EqualTo(12.5));
            Assert.That(heartbeat.Memory, Is.EqualTo(40.25));
            Assert.That(heartbeat.AgentVersion, Is.EqualTo("0.1.0-test"));
            Assert.That(heartbeat.LinesRead, Is.EqualTo(1000));
            Assert.That(heartbeat.LinesConfirmed, Is.EqualTo(990));
            Assert.That(heartbeat.BatchesUnconfirmed, Is.EqualTo(2));
            Assert.That(heartbeat.SendRetries, Is.EqualTo(3));
            Assert.That(heartbeat.FilesOpen, Is.EqualTo(4));
            Assert.That(heartbeat.ProcessCpu, Is.EqualTo(1.5));
            Assert.That(heartbeat.ProcessRssBytes, Is.EqualTo(50_000_000));
        });
    }

    [Test]
    public async Task Heartbeat_WithoutAccessToken_Unauthenticated()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.Health.HeartbeatAsync(new HeartbeatRequest { Cpu = 1 }).ResponseAsync.WaitAsync(Timeout));

        Assert.That(server.Store.CountHeartbeats(), Is.Zero);
    }

    [Test]
    public async Task Heartbeat_ExpiredAccessToken_Unauthenticated()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        server.Tokens.ExpireAccessTokens(registered.AgentUuid);

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.Health.HeartbeatAsync(new HeartbeatRequest(), ServerClient.Bearer(registered.AccessToken))
                .ResponseAsync.WaitAsync(Timeout));
    }
}
