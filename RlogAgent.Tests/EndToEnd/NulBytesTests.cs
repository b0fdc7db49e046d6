using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// NUL bytes as a real host meets them, with the agent and the server as processes on PostgreSQL:
/// a line holding a NUL (binary output, a crash dump) and the hole a writer without O_APPEND leaves
/// after copytruncate. Holes are skipped, NUL lines are stored, and nothing stalls.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX signals")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NulBytesTests : EndToEndTest
{
    [Test]
    public async Task NulLineAndHoleOnPostgres_GoodLinesStoredOnceNulLineStoredAndOtherSourcesNeverStall()
    {
        var cluster = await PostgresCluster.GetAsync().WaitAsync(TimeSpan.FromSeconds(120));
        var dsn = await cluster.CreateDatabaseAsync();
        try
        {
            using var server = await ServerProcess.StartAsync(dsn).WaitAsync(TimeSpan.FromSeconds(60));
            var app = Temp.Combine("app.log");
            var other = Temp.Combine("other.log");
            using (var file = File.Create(app))
            {
                file.Write(string.Concat(Enumerable.Range(0, 10).Select(i => Line(i) + "\n")).Select(c => (byte)c).ToArray());
                file.Write("binary \0 output\n"u8);
                file.Write(new byte[64 * 1024]);
                file.Write(string.Concat(Enumerable.Range(10, 10).Select(i => Line(i) + "\n")).Select(c => (byte)c).ToArray());
            }

            File.WriteAllText(other, "");
            var config = Temp.Combine("config", "agent.yaml");
            Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            File.WriteAllText(config, $"""
                server_addr: {server.Address}
                project_key: {TestServer.ProjectKey}
                flush_interval: 0.2
                poll_interval: 0.05
                read_from: beginning
                sources:
                  - label: app
                    path: {app}
                  - label: other
                    path: {other}
                """);
            using var agent = AgentProcess.Start(Temp.Path);
            using var store = new LogStore(dsn);

            await Eventually.WaitAsync(() => store.CountLines() >= 21, "the good lines and the NUL line stored", TimeSpan.FromSeconds(40));

            // Later lines, in that file and in another source's: one NUL used to stop them all.
            Append(app, 20, 5);
            Append(other, 25, 5);
            await Eventually.WaitAsync(() => store.CountLines() >= 31, "later lines of both sources stored", TimeSpan.FromSeconds(40));
            agent.Signal(AgentProcess.Sigterm);
            Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);

            var lines = store.ReadLines().Select(l => l.Line).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(lines, Has.Count.EqualTo(31), "each line once, the hole none");
                Assert.That(lines.Where(l => l.StartsWith("line ", StringComparison.Ordinal)).Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(0, 30).Select(Line)));
                Assert.That(lines, Does.Contain("binary \uFFFD output"), "the NUL line, its NUL shown as U+FFFD");
                Assert.That(agent.Output, Does.Contain("NUL bytes where a line starts"));
            });
        }
        finally
        {
            await cluster.DropDatabaseAsync(dsn);
        }
    }
}
