using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Configuration;

namespace RlogAgent.Tests.Server.Services;

[TestFixture]
public sealed class AgentAuthServiceTests
{
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    [Test]
    public async Task Register_GoodProjectKey_ReturnsNewUuidAndTokens()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var first = await client.RegisterAsync();

        var second = await client.RegisterAsync(first.AgentUuid);

        Assert.Multiple(() =>
        {
            Assert.That(second.AgentUuid, Is.EqualTo(first.AgentUuid));
            Assert.That(second.AccessToken, Is.Not.EqualTo(first.AccessToken));
            Assert.That(server.Store.AgentUuids(), Is.EqualTo(new[] { first.AgentUuid }));
            Assert.That(server.Store.CountRegistrations(first.AgentUuid), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Register_UuidUnknownToServer_CreatesAgentWithThatUuid()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        await RpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => client.RegisterAsync("not-a-uuid"));
    }

    [Test]
    public async Task Refresh_LiveRefreshToken_RotatesAndOldTokenIsUnauthenticated()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        server.Tokens.RevokeRefreshTokens(registered.AgentUuid);

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, registered.RefreshToken));
        var reRegistered = await client.RegisterAsync(registered.AgentUuid);
        Assert.That(reRegistered.AgentUuid, Is.EqualTo(registered.AgentUuid));
    }

    [Test]
    public async Task Refresh_TokenOfAnotherAgent_Unauthenticated()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
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
        await using var server = await TestServer.StartAsync(timeProvider: clock).WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();

        clock.Advance(ServerOptions.DefaultRefreshTokenLifetime + TimeSpan.FromSeconds(1));

        await RpcAssert.FailsWithAsync(
            StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, registered.RefreshToken));
    }
}
