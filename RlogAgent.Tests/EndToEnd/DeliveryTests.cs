using System.Diagnostics;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>Delivery through server restarts, outages, token churn and agent restarts: every line stored once.</summary>
[TestFixture]
public sealed class DeliveryTests
{
    private TempFolder _temp = null!;
    private TestServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _temp = new TempFolder();
        _server = await TestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromMinutes(5)).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task ServerRestartedMidStream_EveryLineStoredOnce()
    {
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent(log);
        Append(log, 0, 200);
        await WaitForLinesAsync(200);

        await _server.StopAsync();
        Append(log, 200, 300);
        await Eventually.WaitAsync(() => agent.Runner.Counters.SendRetries > 0, "the agent notices the server is gone");
        _server = await _server.RestartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Append(log, 500, 100);
        await WaitForLinesAsync(600);

        AssertExactly(600);
    }

    [Test]
    public async Task ServerProcessKilledMidStreamAndRestarted_EveryLineStoredOnce()
    {
        var database = _temp.Combine("killed.db");
        var server = await ServerProcess.StartAsync(database);
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        var yaml = AgentHarness.Config(server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """);
        await using var agent = AgentHarness.Start(_temp.Combine("agent.yaml"), yaml);
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
        var log = _temp.Combine("app.log");
        Append(log, 0, 50);
        await _server.StopAsync();
        await using var agent = StartAgent(log);
        await Eventually.WaitAsync(() => agent.Run.IsCompleted == false && File.Exists(_temp.Combine("agent.yaml")), "the agent is waiting");

        _server = await _server.RestartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await WaitForLinesAsync(50);

        AssertExactly(50);
    }

    [Test]
    public async Task AccessTokensExpiringEveryTwoSeconds_AreRefreshedAheadAndNothingIsLost()
    {
        await _server.DisposeAsync();
        _server = await TestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromSeconds(2)).WaitAsync(TimeSpan.FromSeconds(20));
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent(log);

        var written = 0;
        var until = DateTime.UtcNow.AddSeconds(7);
        while (DateTime.UtcNow < until)
        {
            Append(log, written, 20);
            written += 20;
            await WaitForLinesAsync(written);
        }

        AssertExactly(written);
        var uuid = _server.Store.AgentUuids().Single();
        Assert.Multiple(() =>
        {
            Assert.That(agent.Runner.Tokens!.Refreshes, Is.GreaterThanOrEqualTo(2));
            Assert.That(_server.Store.CountRegistrations(uuid), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LowRate_EachLineConfirmedWithinFlushIntervalPlusOneSecond()
    {
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        var yaml = AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """).Replace("flush_interval: 0.2", "flush_interval: 1", StringComparison.Ordinal);
        await using var agent = AgentHarness.Start(_temp.Combine("agent.yaml"), yaml);
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
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        WriteProcessConfig(log);
        var written = 0;
        for (var run = 0; run < 4; run++)
        {
            using var agent = AgentProcess.Start(_temp.Path);
            Append(log, written, 300);
            written += 300;
            await Eventually.WaitAsync(() => _server.Store.CountLines() >= written - 150, "part of the lines shipped");
            agent.Signal(AgentProcess.Sigterm);
            Assert.That(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Ok), agent.Output);
            Assert.That(_server.Store.CountLines(), Is.EqualTo(written), "a clean stop ships everything read");
        }

        AssertExactly(written);
    }

    [Test]
    public async Task RepeatedSigkillRestarts_NoLossAndDuplicatesShareFileIdAndOffset()
    {
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        WriteProcessConfig(log);
        var written = 0;
        for (var run = 0; run < 4; run++)
        {
            using var agent = AgentProcess.Start(_temp.Path);
            Append(log, written, 500);
            written += 500;
            await Eventually.WaitAsync(() => _server.Store.CountLines() >= written - 400, "part of the lines shipped");
            agent.Signal(9);
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using (var last = AgentProcess.Start(_temp.Path))
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

    private AgentHarness StartAgent(string log) =>
        AgentHarness.Start(_temp.Combine("agent.yaml"), AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """));

    private void WriteProcessConfig(string log)
    {
        Directory.CreateDirectory(_temp.Combine("config"));
        File.WriteAllText(_temp.Combine("config", "agent.yaml"), $"""
            server_addr: {_server.Address}
            project_key: {TestServer.ProjectKey}
            batch_size: 50
            flush_interval: 0.2
            heartbeat_interval: 1
            poll_interval: 0.05
            read_from: beginning
            sources:
              - label: app
                path: {log}
            """);
    }

    private void AssertExactly(int count)
    {
        var lines = _server.Store.ReadLines().Select(l => l.Line).ToList();
        Assert.That(lines, Has.Count.EqualTo(count), "each line stored once");
        Assert.That(lines.Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(0, count).Select(Line).Order(StringComparer.Ordinal)), "no line lost");
    }

    private static string Line(int i) => $"line {i:D6}";

    private static void Append(string path, int from, int count) =>
        File.AppendAllLines(path, Enumerable.Range(from, count).Select(Line));

    private Task WaitForLinesAsync(int count) =>
        Eventually.WaitAsync(() => _server.Store.CountLines() >= count, $"{count} lines stored (have {_server.Store.CountLines()})", TimeSpan.FromSeconds(40));
}
