using Microsoft.Extensions.Logging;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

[TestFixture]
public sealed class AuthLifecycleTests
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
    public async Task Run_AccessTokenExpired_RefreshesAndShipsWithoutRegisteringAgain()
    {
        var log = _temp.Combine("app.log");
        AppendLines(log, "before", 5);
        await using var agent = StartAgent(log);
        await WaitForLinesAsync(5);
        var uuid = _server.Store.AgentUuids().Single();

        _server.Tokens.ExpireAccessTokens(uuid);
        AppendLines(log, "after expiry", 5);
        await WaitForLinesAsync(10);

        Assert.Multiple(() =>
        {
            Assert.That(_server.Store.CountRegistrations(uuid), Is.EqualTo(1));
            Assert.That(_server.Store.CountLines(), Is.EqualTo(10));
        });
    }

    [Test]
    public async Task Run_RefreshTokenRevoked_RegistersAgainWithTheSameUuid()
    {
        var log = _temp.Combine("app.log");
        AppendLines(log, "before", 5);
        await using var agent = StartAgent(log);
        await WaitForLinesAsync(5);
        var uuid = _server.Store.AgentUuids().Single();

        _server.Tokens.RevokeRefreshTokens(uuid);
        _server.Tokens.ExpireAccessTokens(uuid);
        AppendLines(log, "after revocation", 5);
        await WaitForLinesAsync(10);

        Assert.Multiple(() =>
        {
            Assert.That(_server.Store.AgentUuids(), Is.EqualTo(new[] { uuid }));
            Assert.That(_server.Store.CountRegistrations(uuid), Is.EqualTo(2));
            Assert.That(File.ReadAllText(_temp.Combine("state", "agent_uuid")).Trim(), Is.EqualTo(uuid));
        });
    }

    [Test]
    public async Task Run_WrongProjectKey_SaysSoClearlyBacksOffAndNeverLogsTheKey()
    {
        using var logs = new CapturingLoggerProvider();
        var yaml = AgentHarness.Config(_server.Address, _temp.Combine("state"), "  []", projectKey: "wrong-key-123");
        await using var agent = AgentHarness.Start(_temp.Combine("agent.yaml"), yaml, logs);

        await Eventually.WaitAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Error), "an error about the key");

        var error = logs.Entries.First(e => e.Level == LogLevel.Error);
        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("PERMISSION_DENIED").And.Contain("project_key").And.Contain(_temp.Combine("agent.yaml")));
            Assert.That(error.Message, Does.Match(@"Retrying in 00:00:0[2-5]"), "backs off seconds, not milliseconds");
            Assert.That(logs.Entries.Select(e => e.Message), Has.None.Contain("wrong-key-123"));
            Assert.That(_server.Store.AgentUuids(), Is.Empty);
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok), "a stop during the backoff is still clean");
    }

    private AgentHarness StartAgent(string log) =>
        AgentHarness.Start(_temp.Combine("agent.yaml"), AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """));

    private Task WaitForLinesAsync(int count) =>
        Eventually.WaitAsync(() => _server.Store.CountLines() >= count, $"{count} lines stored (have {_server.Store.CountLines()})");

    private static void AppendLines(string path, string prefix, int count) =>
        File.AppendAllLines(path, Enumerable.Range(1, count).Select(i => $"{prefix} {i}"));
}
