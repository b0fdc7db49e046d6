using Microsoft.Extensions.Logging;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

[TestFixture]
public sealed class AuthLifecycleTests : EndToEndTest
{
    [Test]
    public async Task Run_AccessTokenExpired_RefreshesAndShipsWithoutRegisteringAgain()
    {
        var log = Temp.Combine("app.log");
        AppendLines(log, "before", 5);
        await using var agent = StartAgent(Source(log));
        await WaitForLinesAsync(5);
        // Tokens are checked when a call starts: let the call that carried these lines end first.
        await Eventually.WaitAsync(() => agent.Runner.Counters.LinesConfirmed >= 5, "the first call confirmed");
        var uuid = Server.Store.AgentUuids().Single();

        Server.Tokens.ExpireAccessTokens(uuid);
        AppendLines(log, "after expiry", 5);
        await WaitForLinesAsync(10);

        Assert.Multiple(() =>
        {
            Assert.That(Server.Store.CountRegistrations(uuid), Is.EqualTo(1));
            Assert.That(Server.Store.CountLines(), Is.EqualTo(10));
        });
    }

    [Test]
    public async Task Run_RefreshTokenRevoked_RegistersAgainWithTheSameUuid()
    {
        var log = Temp.Combine("app.log");
        AppendLines(log, "before", 5);
        await using var agent = StartAgent(Source(log));
        await WaitForLinesAsync(5);
        // Tokens are checked when a call starts: let the call that carried these lines end first.
        await Eventually.WaitAsync(() => agent.Runner.Counters.LinesConfirmed >= 5, "the first call confirmed");
        var uuid = Server.Store.AgentUuids().Single();

        Server.Tokens.RevokeRefreshTokens(uuid);
        Server.Tokens.ExpireAccessTokens(uuid);
        AppendLines(log, "after revocation", 5);
        await WaitForLinesAsync(10);

        Assert.Multiple(() =>
        {
            Assert.That(Server.Store.AgentUuids(), Is.EqualTo(new[] { uuid }));
            Assert.That(Server.Store.CountRegistrations(uuid), Is.EqualTo(2));
            Assert.That(File.ReadAllText(Temp.Combine("state", "agent_uuid")).Trim(), Is.EqualTo(uuid));
        });
    }

    [Test]
    public async Task Run_WrongProjectKey_SaysSoClearlyBacksOffAndNeverLogsTheKey()
    {
        using var logs = new CapturingLoggerProvider();
        var yaml = AgentHarness.Config(Server.Address, Temp.Combine("state"), "  []", projectKey: "wrong-key-123");
        await using var agent = AgentHarness.Start(Temp.Combine("agent.yaml"), yaml, logs);

        await Eventually.WaitAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Error), "an error about the key");

        var error = logs.Entries.First(e => e.Level == LogLevel.Error);
        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("PERMISSION_DENIED").And.Contain("project_key").And.Contain(Temp.Combine("agent.yaml")));
            Assert.That(error.Message, Does.Match(@"Retrying in [2-5](\.[0-9])? s\b"), "backs off seconds, not milliseconds, written as a person reads it");
            Assert.That(logs.Entries.Select(e => e.Message), Has.None.Contain("wrong-key-123"));
            Assert.That(Server.Store.AgentUuids(), Is.Empty);
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok), "a stop during the backoff is still clean");
    }

    private static void AppendLines(string path, string prefix, int count) =>
        File.AppendAllLines(path, Enumerable.Range(1, count).Select(i => $"{prefix} {i}"));
}
