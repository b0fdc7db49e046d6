using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Configuration;

using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Services;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class AgentAuthServiceTests : EngineFixture
{
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    public AgentAuthServiceTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [Test]
    public async Task Register_GoodProjectKey_ReturnsNewUuidAndTokens()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        var before = DateTimeOffset.UtcNow;
        var response = await client.RegisterAsync();

        Assert.That(Guid.TryParse(response.AgentUuid, out var uuid), Is.True, response.AgentUuid);
        Assert.Multiple(() =>
        {
            Assert.That(uuid.Version, Is.EqualTo(7));
            Assert.That(response.AccessToken, Is.Not.Empty);
            Assert.That(response.RefreshToken, Is.Not.Empty.And.Not.EqualTo(response.AccessToken));
            Assert.That(
                response.AccessExpiresAt.ToDateTimeOffset(),
                Is.EqualTo(before + ServerOptions.DefaultAccessTokenLifetime).Within(TimeSpan.FromMinutes(1)));
            Assert.That(server.Store.AgentUuids(), Is.EqualTo(new[] { response.AgentUuid }));
            Assert.That(server.Store.CountRegistrations(response.AgentUuid), Is.EqualTo(1));
        });
    }

    [TestCase("wrong-key")]
    [TestCase("")]
    public async Task Register_WrongProjectKey_PermissionDenied(string projectKey)
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        await RpcAssert.FailsWithAsync(StatusCode.PermissionDenied, () => client.RegisterAsync(projectKey: projectKey));

        Assert.That(server.Store.AgentUuids(), Is.Empty);
    }

    [Test]
    public async Task Register_SecondConfiguredProjectKey_Accepted()
    {
        await using var server = await TestServer
            .StartAsync(options => options.ProjectKeys.Add("second-key"))
            .WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        var response = await client.RegisterAsync(projectKey: "second-key");

        Assert.That(response.AgentUuid, Is.Not.Empty);
    }

    [Test]
    public async Task Register_StoredAgentUuid_KeepsIt()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var first = await client.RegisterAsync();

        var second = await client.RegisterAsync(first.AgentUuid, agentSecret: first.AgentSecret);

        Assert.Multiple(() =>
        {
            Assert.That(second.AgentUuid, Is.EqualTo(first.AgentUuid));
            Assert.That(second.AgentSecret, Is.Empty, "the agent keeps the secret it holds");
            Assert.That(second.AccessToken, Is.Not.EqualTo(first.AccessToken));
            Assert.That(server.Store.AgentUuids(), Is.EqualTo(new[] { first.AgentUuid }));
            Assert.That(server.Store.CountRegistrations(first.AgentUuid), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Register_UuidUnknownToServer_CreatesAgentWithThatUuid()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var uuid = Guid.NewGuid().ToString();

        var response = await client.RegisterAsync(uuid);

        Assert.Multiple(() =>
        {
            Assert.That(response.AgentUuid, Is.EqualTo(uuid));
            Assert.That(server.Store.AgentUuids(), Is.EqualTo(new[] { uuid }));
        });
    }

    [Test]
    public async Task Register_MalformedAgentUuid_InvalidArgument()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        await RpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => client.RegisterAsync("not-a-uuid"));
    }

    [Test]
    public async Task Refresh_LiveRefreshToken_RotatesAndOldTokenIsUnauthenticated()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        var refreshed = await client.RefreshAsync(registered.AgentUuid, registered.RefreshToken);

        Assert.Multiple(() =>
        {
            Assert.That(refreshed.AccessToken, Is.Not.Empty.And.Not.EqualTo(registered.AccessToken));
            Assert.That(refreshed.RefreshToken, Is.Not.Empty.And.Not.EqualTo(registered.RefreshToken));
            Assert.That(refreshed.AccessExpiresAt, Is.Not.Null);
        });
        await client.Health.HeartbeatAsync(new HeartbeatRequest(), ServerClient.Bearer(refreshed.AccessToken))
            .ResponseAsync.WaitAsync(Timeout);
        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, registered.RefreshToken));
        var again = await client.RefreshAsync(registered.AgentUuid, refreshed.RefreshToken);
        Assert.That(again.RefreshToken, Is.Not.EqualTo(refreshed.RefreshToken));
    }

    [Test]
    public async Task Refresh_RevokedRefreshToken_UnauthenticatedThenReRegisterKeepsUuid()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        server.Tokens.RevokeRefreshTokens(registered.AgentUuid);

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, registered.RefreshToken));
        var reRegistered = await client.RegisterAsync(registered.AgentUuid, agentSecret: registered.AgentSecret);
        Assert.That(reRegistered.AgentUuid, Is.EqualTo(registered.AgentUuid));
    }

    [Test]
    public async Task Register_FirstTime_IssuesSecretStoredOnlyAsItsHash()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        var registered = await client.RegisterAsync();

        var state = await server.Store.Agents.FindSecretAsync(registered.AgentUuid).WaitAsync(Timeout);
        Assert.Multiple(() =>
        {
            Assert.That(Base64Url.DecodeFromChars(registered.AgentSecret), Has.Length.EqualTo(32));
            Assert.That(state.SecretHash, Is.EqualTo(SHA256.HashData(Encoding.UTF8.GetBytes(registered.AgentSecret))));
        });
    }

    [Test]
    public async Task Register_AnotherAgentsUuidWithoutItsSecret_NewUuidAndWarning()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await StartServerAsync(logging: builder => builder.AddProvider(logs)).WaitAsync(Timeout);
        using var victim = new ServerClient(server.Address);
        using var intruder = new ServerClient(server.Address);
        var registered = await victim.RegisterAsync();

        var withoutSecret = await intruder.RegisterAsync(registered.AgentUuid);
        var wrongSecret = await intruder.RegisterAsync(registered.AgentUuid, agentSecret: withoutSecret.AgentSecret);

        Assert.Multiple(() =>
        {
            Assert.That(withoutSecret.AgentUuid, Is.Not.EqualTo(registered.AgentUuid));
            Assert.That(wrongSecret.AgentUuid, Is.Not.EqualTo(registered.AgentUuid).And.Not.EqualTo(withoutSecret.AgentUuid));
            Assert.That(withoutSecret.AgentSecret, Is.Not.Empty);
            Assert.That(server.Store.CountRegistrations(registered.AgentUuid), Is.EqualTo(1));
            Assert.That(logs.Entries.Count(e => e.EventId == 205 && e.Message.Contains(registered.AgentUuid)), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Register_AgentRegisteredBeforeSecrets_KeepsUuidAndGetsASecret()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var uuid = Guid.NewGuid().ToString();
        await server.Store.Agents.RecordRegistrationAsync(uuid, "host", "linux", "0.0.9", DateTimeOffset.UtcNow).WaitAsync(Timeout);

        var registered = await client.RegisterAsync(uuid);
        var again = await client.RegisterAsync(uuid, agentSecret: registered.AgentSecret);

        Assert.Multiple(() =>
        {
            Assert.That(registered.AgentUuid, Is.EqualTo(uuid));
            Assert.That(registered.AgentSecret, Is.Not.Empty);
            Assert.That(again.AgentUuid, Is.EqualTo(uuid));
        });
    }

    [Test]
    public async Task Register_MoreCallsFromOneAddressThanTheBurst_ResourceExhausted()
    {
        await using var server = await StartServerAsync(options =>
        {
            options.AuthBurst = 3;
            options.AuthRequestsPerSecond = 1;
        }).WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        for (var i = 0; i < 3; i++)
        {
            await client.RegisterAsync();
        }

        await RpcAssert.FailsWithAsync(StatusCode.ResourceExhausted, () => client.RegisterAsync());
        await RpcAssert.FailsWithAsync(StatusCode.ResourceExhausted, () => client.RefreshAsync(Guid.NewGuid().ToString(), "x"));
    }

    [Test]
    public async Task Refresh_TokenOfAnotherAgent_Unauthenticated()
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var first = await client.RegisterAsync();
        var second = await client.RegisterAsync();

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(second.AgentUuid, first.RefreshToken));

        // The refused attempt did not use the token up for its owner.
        var refreshed = await client.RefreshAsync(first.AgentUuid, first.RefreshToken);
        Assert.That(refreshed.AccessToken, Is.Not.Empty);
    }

    [TestCase("")]
    [TestCase("unknown-token")]
    public async Task Refresh_UnknownRefreshToken_Unauthenticated(string refreshToken)
    {
        await using var server = await StartServerAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, refreshToken));
    }

    [Test]
    public async Task Refresh_RefreshTokenPastItsLifetime_Unauthenticated()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(timeProvider: clock).WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        clock.Advance(ServerOptions.DefaultRefreshTokenLifetime + TimeSpan.FromSeconds(1));

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, registered.RefreshToken));
    }
}
