using System.Diagnostics;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>Delivery through server restarts, outages, token churn and agent restarts: every line stored once.</summary>
[TestFixture]
public sealed class DeliveryTests : EndToEndTest
{
    [Test]
    public async Task ServerRestartedMidStream_EveryLineStoredOnce()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent(Source(log));
        Append(log, 0, 200);
        await WaitForLinesAsync(200);

        await Server.StopAsync();
        Append(log, 200, 300);
        await Eventually.WaitAsync(() => agent.Runner.Counters.SendRetries > 0, "the agent notices the server is gone");
        Server = await Server.RestartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Append(log, 500, 100);
        await WaitForLinesAsync(600);

        AssertExactly(600);
    }

    [Test]
    public async Task ServerProcessKilledMidStreamAndRestarted_EveryLineStoredOnce()
    {
        var database = Temp.Combine("killed.db");
        var server = await ServerProcess.StartAsync(database);
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        var yaml = AgentHarness.Config(server.Address, Temp.Combine("state"), $"""
              - label: app
                path: {log}
            """);
        await using var agent = AgentHarness.Start(Temp.Combine("agent.yaml"), yaml);
        using var reader = new RlogServer.Storage.LogStore(database);
        try
        {
            for (var round = 0; round < 3; round++)
            {
                Append(log, round * 1000, 1000);
                await Eventually.WaitAsync(() => reader.CountLines() >= (round * 1000) + 300, "part of the round stored");
                server.Kill();
                server.Dispose();
                server = await ServerProcess.StartAsync(database, server.Address.Port);
            }

            await Eventually.WaitAsync(() => reader.CountLines() >= 3000, $"3000 lines stored (have {reader.CountLines()})", TimeSpan.FromSeconds(60));
        }
        finally
        {
            server.Dispose();
        }

        var lines = reader.ReadLines().Select(l => l.Line).ToList();
        Assert.That(lines, Has.Count.EqualTo(3000));
        Assert.That(lines.Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(0, 3000).Select(Line)));
    }

    [Test]
    public async Task ServerDownWhenAgentStarts_ShipsOnceItComesUp()
    {
        var log = Temp.Combine("app.log");
        Append(log, 0, 50);
        await Server.StopAsync();
        await using var agent = StartAgent(Source(log));
        await Eventually.WaitAsync(() => agent.Run.IsCompleted == false && File.Exists(Temp.Combine("agent.yaml")), "the agent is waiting");

        Server = await Server.RestartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await WaitForLinesAsync(50);

        AssertExactly(50);
    }

    [Test]
    public async Task AccessTokensExpiringEveryTwoSeconds_AreRefreshedAheadAndNothingIsLost()
    {
        await Server.DisposeAsync();
        Server = await TestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(2)).WaitAsync(TimeSpan.FromSeconds(20));
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent(Source(log));

        var written = 0;
        var until = DateTime.UtcNow.AddSeconds(7);
        while (DateTime.UtcNow < until)
        {
            Append(log, written, 20);
            written += 20;
            await WaitForLinesAsync(written);
        }

        AssertExactly(written);
        var uuid = Server.Store.AgentUuids().Single();
        Assert.Multiple(() =>
        {
            Assert.That(agent.Runner.Tokens!.Refreshes, Is.GreaterThanOrEqualTo(2));
            Assert.That(Server.Store.CountRegistrations(uuid), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LowRate_EachLineConfirmedWithinFlushIntervalPlusOneSecond()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        var yaml = AgentHarness.Config(Server.Address, Temp.Combine("state"), $"""
              - label: app
                path: {log}
            """).Replace("flush_interval: 0.2", "flush_interval: 1", StringComparison.Ordinal);
        await using var agent = AgentHarness.Start(Temp.Combine("agent.yaml"), yaml);
        await Eventually.WaitAsync(() => agent.Runner.OpenFiles == 1, "the file is open");

        var worst = TimeSpan.Zero;
        for (var i = 0; i < 4; i++)
        {
            var written = Stopwatch.StartNew();
            Append(log, i, 1);
            await WaitForLinesAsync(i + 1);
            worst = written.Elapsed > worst ? written.Elapsed : worst;
        }

        // flush_interval (1 s) + 1 s is the promise; the poll and the test's own polling add a little.
        Assert.That(worst, Is.LessThan(TimeSpan.FromSeconds(2.3)));
    }

    [Test]
    public async Task RepeatedSigtermRestarts_NoLossAndNothingSentTwice()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        WriteProcessConfig(log, "batch_size: 50");
        var written = 0;
        for (var run = 0; run < 4; run++)
        {
            using var agent = AgentProcess.Start(Temp.Path);
            Append(log, written, 300);
            written += 300;
            await Eventually.WaitAsync(() => Server.Store.CountLines() >= written - 150, "part of the lines shipped");
            agent.Signal(AgentProcess.Sigterm);
            Assert.That(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Ok), agent.Output);
            Assert.That(Server.Store.CountLines(), Is.EqualTo(written), "a clean stop ships everything read");
        }

        AssertExactly(written);
    }

    [Test]
    public async Task RepeatedSigkillRestarts_NoLossAndDuplicatesShareFileIdAndOffset()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        WriteProcessConfig(log, "batch_size: 50");
        var written = 0;
        for (var run = 0; run < 4; run++)
        {
            using var agent = AgentProcess.Start(Temp.Path);
            Append(log, written, 500);
            written += 500;
            await Eventually.WaitAsync(() => Server.Store.CountLines() >= written - 400, "part of the lines shipped");
            agent.Signal(9);
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using (var last = AgentProcess.Start(Temp.Path))
        {
            // The kills may have left every line stored already: wait for this run to be up, too.
            await Eventually.WaitAsync(() => last.Output.Contains("Resuming", StringComparison.Ordinal), "the last run resumes the file");
            await WaitForLinesAsync(written);
            last.Signal(AgentProcess.Sigterm);
            Assert.That(await last.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Ok), last.Output);
        }

        // A re-sent line with another (file_id, offset) would be stored twice: exactly N rows proves
        // every duplicate on the wire named the same line.
        AssertExactly(written);
    }

}
