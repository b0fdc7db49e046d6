using Microsoft.Extensions.Logging;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>What users of log agents file bugs about: globs, links, deletes, handles, restarts amid rotation.</summary>
[TestFixture]
public sealed class FileHandlingTests : EndToEndTest
{
    [SetUp]
    public void CreateLogsFolder() => Directory.CreateDirectory(Temp.Combine("logs"));

    [Test]
    public async Task Glob_RecursivePatternWithExclude_ReadsOnlyMatchingFiles()
    {
        Directory.CreateDirectory(Temp.Combine("logs", "a", "b"));
        File.WriteAllText(Temp.Combine("logs", "top.log"), "top\n");
        File.WriteAllText(Temp.Combine("logs", "a", "b", "deep.log"), "deep\n");
        File.WriteAllText(Temp.Combine("logs", "a", "skip.log"), "skipped\n");
        File.WriteAllText(Temp.Combine("logs", "top.log.1.gz"), "compressed sibling\n");
        File.WriteAllText(Temp.Combine("logs", "notes.txt"), "not a log\n");
        await using var agent = StartAgent($"""
              - label: app
                path: {Temp.Combine("logs", "**", "*.log")}
                exclude: ["**/skip.log"]
            """);

        File.WriteAllText(Temp.Combine("logs", "a", "later.log"), "later\n");
        await WaitForLinesAsync(3);
        await agent.StopAsync();

        Assert.That(StoredTexts(), Is.EquivalentTo(new[] { "top", "deep", "later" }));
    }

    [Test]
    public async Task Directory_AppearsAfterStart_ItsFilesAreReadFromTheirStart()
    {
        await using var agent = StartAgent($"""
              - label: app
                path: {Temp.Combine("later", "*.log")}
            """);
        await Eventually.WaitAsync(() => Server.Store.CountHeartbeats() > 0, "the agent runs");

        Directory.CreateDirectory(Temp.Combine("later"));
        File.WriteAllLines(Temp.Combine("later", "x.log"), ["one", "two"]);
        await WaitForLinesAsync(2);

        Assert.That(StoredTexts(), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test]
    public async Task SymbolicLink_AsKubernetesLaysOut_FollowedToItsTarget()
    {
        Directory.CreateDirectory(Temp.Combine("pods"));
        var target = Temp.Combine("pods", "0.log");
        File.WriteAllText(target, "from the pod\n");
        var link = Temp.Combine("logs", "pod_ns_container.log");
        File.CreateSymbolicLink(link, target);
        await using var agent = StartAgent($"""
              - label: k8s
                path: {Temp.Combine("logs", "*.log")}
            """);

        await WaitForLinesAsync(1);
        File.AppendAllText(target, "appended to the target\n");
        await WaitForLinesAsync(2);

        var lines = Server.Store.ReadLines();
        Assert.That(lines.Select(l => l.Line), Is.EqualTo(new[] { "from the pod", "appended to the target" }));
        Assert.That(lines.Select(l => l.FileId).Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Delete_WhileBeingRead_RestIsShippedAndHandleReleased()
    {
        var log = Temp.Combine("logs", "app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent($"""
              - label: app
                path: {log}
            """);
        await Eventually.WaitAsync(() => agent.Runner.OpenFiles == 1, "the file is open");

        using (var writer = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)))
        {
            writer.WriteLine("before delete");
            writer.Flush();
            File.Delete(log);
            writer.WriteLine("written to the deleted file");
        }

        await WaitForLinesAsync(2);
        await Eventually.WaitAsync(() => agent.Runner.OpenFiles == 0, "the deleted file's handle is closed");
        File.WriteAllText(log, "recreated\n");
        await WaitForLinesAsync(3);

        Assert.That(StoredTexts(), Is.EqualTo(new[] { "before delete", "written to the deleted file", "recreated" }));
    }

    [Test]
    public async Task DirectoryWhereFileExpected_WarnsOnceAndOtherSourcesGoOn()
    {
        using var logs = new CapturingLoggerProvider();
        Directory.CreateDirectory(Temp.Combine("logs", "not-a-file.log"));
        var good = Temp.Combine("good.log");
        File.WriteAllText(good, "");
        await using var agent = AgentHarness.Start(Temp.Combine("agent.yaml"), AgentHarness.Config(Server.Address, Temp.Combine("state"), $"""
              - label: broken
                path: {Temp.Combine("logs", "not-a-file.log")}
              - label: good
                path: {good}
            """), logs);

        for (var round = 1; round <= 5; round++)
        {
            File.AppendAllText(good, $"round {round}\n");
            await WaitForLinesAsync(round);
        }

        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("not-a-file.log", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), "one warning per cause, not one per poll");
        Assert.That(warnings[0].Message, Does.Contain("directory"));
    }

    [Test]
    public async Task MaxOpenFiles_MoreFilesThanHandles_EveryLineArrivesAndHandlesStayBounded()
    {
        for (var f = 0; f < 6; f++)
        {
            File.WriteAllText(Temp.Combine("logs", $"f{f}.log"), $"file {f} line 1\n");
        }

        await using var agent = StartAgent($"""
              - label: app
                path: {Temp.Combine("logs", "*.log")}
            """, "max_open_files: 2");
        var peak = 0;
        for (var round = 2; round <= 4; round++)
        {
            for (var f = 0; f < 6; f++)
            {
                File.AppendAllText(Temp.Combine("logs", $"f{f}.log"), $"file {f} line {round}\n");
            }

            await Eventually.WaitAsync(
                () =>
                {
                    peak = Math.Max(peak, agent.Runner.OpenFiles);
                    return Server.Store.CountLines() >= 6 * round;
                },
                $"{6 * round} lines");
        }

        Assert.That(peak, Is.LessThanOrEqualTo(2));
        Assert.That(StoredTexts(), Is.EquivalentTo(Enumerable.Range(0, 6).SelectMany(f => Enumerable.Range(1, 4).Select(r => $"file {f} line {r}"))));
    }

    [Test]
    public async Task ManyFiles_ThousandInOneFolder_AllShippedByOneLoop()
    {
        for (var f = 0; f < 1000; f++)
        {
            File.WriteAllText(Temp.Combine("logs", $"svc-{f:D4}.log"), $"svc {f} a\nsvc {f} b\n");
        }

        await using var agent = StartAgent($"""
              - label: many
                path: {Temp.Combine("logs", "*.log")}
            """, "max_open_files: 2000");

        await WaitForLinesAsync(2000);

        Assert.That(Server.Store.CountLines(), Is.EqualTo(2000));
        Assert.That(agent.Runner.OpenFiles, Is.EqualTo(1000));
    }

    [Test]
    public async Task Restarts_AmidRotationsAndTruncations_EveryLineStoredExactlyOnce()
    {
        var log = Temp.Combine("logs", "app.log");
        var expected = new List<string>();
        var seq = 0;
        void Write(string path, int count)
        {
            var lines = Enumerable.Range(0, count).Select(_ => $"seq {++seq}").ToList();
            File.AppendAllLines(path, lines);
            expected.AddRange(lines);
        }

        File.WriteAllText(log, "");
        for (var round = 0; round < 6; round++)
        {
            await using (var agent = StartAgent($"""
                  - label: app
                    path: {log}
                """))
            {
                Write(log, 30);
                switch (round % 3)
                {
                    case 0:
                        // Rename rotation while running, with late writes to the rotated file.
                        await WaitForLinesAsync(expected.Count);
                        File.Move(log, $"{log}.{round}");
                        Write($"{log}.{round}", 5);
                        Write(log, 10);
                        break;
                    case 1:
                        // copytruncate once the agent has shipped the file: the copy is not a source.
                        await WaitForLinesAsync(expected.Count);
                        File.Copy(log, $"{log}.{round}");
                        File.WriteAllText(log, "");
                        Write(log, 10);
                        break;
                    default:
                        Write(log, 10);
                        break;
                }

                // Stop at once, whatever is in flight: the next run must finish it.
                Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
            }

            if (round % 3 == 2)
            {
                // Rotated while the agent is down, with writes it has not seen.
                File.Move(log, $"{log}.{round}");
                Write($"{log}.{round}", 7);
                File.WriteAllText(log, "");
                Write(log, 3);
            }
        }

        await using (StartAgent($"""
              - label: app
                path: {log}
            """))
        {
            await WaitForLinesAsync(expected.Count);
        }

        var stored = StoredTexts();
        Assert.That(stored, Has.Count.EqualTo(expected.Count), "nothing stored twice");
        Assert.That(stored, Is.EquivalentTo(expected), "nothing lost");
    }

}
