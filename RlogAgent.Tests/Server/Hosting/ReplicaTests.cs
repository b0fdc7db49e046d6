using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Hosting;

/// <summary>Two <c>rlog-server</c> processes on one PostgreSQL database, behind one address.</summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "PostgreSQL test cluster and process kill")]
public sealed class ReplicaTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Agent_ReplicaKilledMidStream_OtherReplicaFinishesEveryLineOnceWithTheSameTokens()
    {
        await using var database = await TestDatabase.CreateAsync(StorageEngineKind.Postgres);
        using var temp = new TempFolder();
        using var replicaA = await ServerProcess.StartAsync(database.Dsn);
        using var replicaB = await ServerProcess.StartAsync(database.Dsn);
        await using var balancer = new TcpForwarder(replicaA.Address.Port);
        var log = temp.Combine("app.log");
        File.WriteAllText(log, string.Empty);
        Directory.CreateDirectory(temp.Combine("config"));
        File.WriteAllText(temp.Combine("config", "agent.yaml"), $"""
            server_addr: {balancer.Address}
            project_key: {TestServer.ProjectKey}
            batch_size: 100
            flush_interval: 0.2
            heartbeat_interval: 0.5
            poll_interval: 0.05
            read_from: beginning
            sources:
              - label: app
                path: {log}
            """);
        using var reader = database.Open();
        using var agent = AgentProcess.Start(temp.Path);

        // Through A: the agent registers there and streams.
        Append(log, 0, 2000);
        await Eventually.WaitAsync(() => reader.CountLines() >= 500, "lines stored through replica A", Timeout);
        Append(log, 2000, 2000);
        replicaA.Kill();
        balancer.SwitchTo(replicaB.Address.Port);
        Append(log, 4000, 2000);

        await Eventually.WaitAsync(() => reader.CountLines() >= 6000, $"6000 lines stored (have {reader.CountLines()})", Timeout);
        agent.Signal(AgentProcess.Sigterm);
        var exitCode = await agent.WaitForExitAsync(Timeout);

        var lines = reader.ReadLines().Select(l => l.Line).ToList();
        var uuid = reader.AgentUuids().Single();
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, agent.Output);
            Assert.That(lines, Has.Count.EqualTo(6000), "each line stored once");
            Assert.That(lines.Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(0, 6000).Select(Line)), "no line lost");
            // Replica B took the tokens replica A issued: the agent never had to register again.
            Assert.That(reader.CountRegistrations(uuid), Is.EqualTo(1));
            Assert.That(reader.CountHeartbeats(uuid), Is.GreaterThan(0));
        });
    }

    private static string Line(int i) => $"line {i:D6}";

    private static void Append(string path, int from, int count) =>
        File.AppendAllLines(path, Enumerable.Range(from, count).Select(Line));
}
