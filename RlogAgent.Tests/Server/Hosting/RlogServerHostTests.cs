using System.Net;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Configuration;
using RlogServer.Hosting;

namespace RlogAgent.Tests.Server.Hosting;

[TestFixture]
public sealed class RlogServerHostTests
{
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    [Test]
    public async Task RestartAsync_SamePortAndDatabase_KeepsLinesAndTokens()
    {
        // Disposing the stopped first server later does nothing: the folder went to the second.
        await using var first = await TestServer.StartAsync().WaitAsync(Timeout);
        RegisterResponse registered;
        using (var client = new ServerClient(first.Address))
        {
            registered = await client.RegisterAsync();
            await client.SendAsync(registered.AccessToken, LogBatches.Lines("file-1", 10));
        }

        await using var second = await first.RestartAsync().WaitAsync(Timeout);

        using var again = new ServerClient(second.Address);
        await again.SendAsync(registered.AccessToken, LogBatches.Lines("file-1", 12));
        Assert.Multiple(() =>
        {
            Assert.That(second.Port, Is.EqualTo(first.Port));
            Assert.That(Directory.Exists(second.Folder), Is.True);
            Assert.That(second.Store.CountLines(registered.AgentUuid), Is.EqualTo(12));
        });
    }

    [Test]
    public void Build_NoProjectKey_ThrowsNamingTheField()
    {
        var options = new ServerOptions();

        Assert.That(
            () => RlogServerHost.Build(options, "http://127.0.0.1:0"),
            Throws.InvalidOperationException.With.Message.Contains("--project-key"));
    }

    [TestCase("https://127.0.0.1:0")]
    [TestCase("not a url")]
    public void Build_UrlOtherThanHttp_ThrowsArgumentException(string url)
    {
        var options = new ServerOptions { ProjectKeys = ["k"] };

        Assert.That(() => RlogServerHost.Build(options, url), Throws.ArgumentException);
    }

    [Test]
    public async Task Server_Http11Request_AnsweredBadRequest()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/rlog.v1.AuthService/Register"))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request).WaitAsync(Timeout);
        // Kestrel answers an HTTP/1.x request on an HTTP/2-only endpoint with 400.
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Server_EveryCall_LogsNeverHoldProjectKeyOrTokens()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer
            .StartAsync(logging: builder => builder.AddProvider(logs))
            .WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);

        var registered = await client.RegisterAsync();
        var refreshed = await client.RefreshAsync(registered.AgentUuid, registered.RefreshToken);
        await client.SendAsync(refreshed.AccessToken, LogBatches.Lines("file-1", 3));
        await client.Health.HeartbeatAsync(new HeartbeatRequest(), ServerClient.Bearer(refreshed.AccessToken))
            .ResponseAsync.WaitAsync(Timeout);
        server.Tokens.RevokeRefreshTokens(registered.AgentUuid);
        server.Tokens.ExpireAccessTokens(registered.AgentUuid);
        await RpcAssert.FailsWithAsync(
            Grpc.Core.StatusCode.Unauthenticated,
            () => client.SendAsync(refreshed.AccessToken, LogBatches.Lines("file-1", 3)));
        await RpcAssert.FailsWithAsync(
            Grpc.Core.StatusCode.Unauthenticated,
            () => client.RefreshAsync(registered.AgentUuid, refreshed.RefreshToken));
        await RpcAssert.FailsWithAsync(
            Grpc.Core.StatusCode.PermissionDenied,
            () => client.RegisterAsync(projectKey: "guessed-" + TestServer.ProjectKey));

        var secrets = new[]
        {
            TestServer.ProjectKey,
            registered.AccessToken,
            registered.RefreshToken,
            refreshed.AccessToken,
            refreshed.RefreshToken,
            registered.AgentSecret,
        };
        var written = logs.Entries
            .SelectMany(entry => entry.Values.Values.Select(value => value?.ToString() ?? string.Empty).Append(entry.Message))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(logs.Entries.Select(entry => entry.EventId.Id), Does.Contain(101).And.Contain(203));
            foreach (var secret in secrets)
            {
                Assert.That(written.Where(text => text.Contains(secret, StringComparison.Ordinal)), Is.Empty);
            }
        });
    }

    [Test]
    public async Task Server_GrpcHealthCheck_ServingWhileTheDatabaseAnswers()
    {
        await using var server = await TestServer.StartAsync().WaitAsync(Timeout);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);

        // The check runs in the background: the first answer may still be "unknown".
        Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus status = default;
        await Poll.UntilAsync(
            () =>
            {
                status = health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync.WaitAsync(Timeout).GetAwaiter().GetResult().Status;
                return status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving;
            },
            Timeout,
            "grpc.health.v1 answers SERVING");
        Assert.That(status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving));
    }

    [Test]
    public async Task Server_MetricsListen_ServesStoredDuplicateAndCallCounts()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var server = await TestServer.StartAsync(o => o.MetricsListen = $"127.0.0.1:{port}").WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var registered = await client.RegisterAsync();
        var batch = LogBatches.Lines("file-1", 3);
        await client.SendAsync(registered.AccessToken, batch);
        await client.SendAsync(registered.AccessToken, batch);
        await RpcAssert.FailsWithAsync(Grpc.Core.StatusCode.Unauthenticated, () => client.SendAsync("not-a-token", batch));

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("rlog_server_lines_stored_total 3"));
            Assert.That(text, Does.Contain("rlog_server_lines_duplicate_total 3"));
            Assert.That(text, Does.Contain("rlog_server_batches_total 2"));
            Assert.That(text, Does.Contain("rlog_server_agents_seen 1"));
            Assert.That(text, Does.Contain("rlog_server_calls_total{method=\"/rlog.v1.LogService/Send\",status=\"OK\"} 2"));
            Assert.That(text, Does.Contain("rlog_server_calls_total{method=\"/rlog.v1.LogService/Send\",status=\"Unauthenticated\"} 1"));
            Assert.That(text, Does.Contain("rlog_server_ingest_seconds_count 2"));
        });
    }

    [Test]
    public async Task Server_HostnameWithLineBreaksAndMegabytes_LoggedCutOnOneLine()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(logging: builder => builder.AddProvider(logs)).WaitAsync(Timeout);
        using var client = new ServerClient(server.Address);
        var hostname = "evil\nFAKE LOG LINE " + new string('x', 1_000_000);

        await client.Auth.RegisterAsync(new RegisterRequest { ProjectKey = TestServer.ProjectKey, Hostname = hostname })
            .ResponseAsync.WaitAsync(Timeout);

        var registered = logs.Entries.Single(e => e.EventId.Id == 201);
        Assert.Multiple(() =>
        {
            Assert.That(registered.Message, Has.Length.LessThan(1000));
            Assert.That(registered.Message, Does.Not.Contain("\n"));
        });
    }
}
