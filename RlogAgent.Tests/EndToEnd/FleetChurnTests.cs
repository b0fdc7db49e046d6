using System.Runtime.InteropServices;
using System.Text.Json;
using RlogAgent.Collection;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// What a busy fleet does to files, with the agent as a process where it matters: pod churn past
/// max_open_files, copytruncate during an outage, unreadable folders, FIFOs, odd bytes, files
/// reached twice, and two agents on one state folder.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX signals, permissions and FIFOs")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class FleetChurnTests : EndToEndTest
{
    private string Logs => Temp.Combine("logs");

    [SetUp]
    public void CreateLogsFolder() => Directory.CreateDirectory(Logs);

    [Test]
    public async Task PodChurn_MoreFilesThanMaxOpenFilesDeletedWhileClosed_SourceKeepsReading()
    {
        WriteProcessConfig(Path.Combine(Logs, "*.log"), "max_open_files: 4\nrotate_wait: 0.3");
        using var agent = AgentProcess.Start(Temp.Path);
        var next = 0;

        for (var round = 0; round < 3; round++)
        {
            var files = Enumerable.Range(0, 12).Select(i => Path.Combine(Logs, $"pod-{round}-{i}.log")).ToList();
            foreach (var file in files)
            {
                File.AppendAllLines(file, Enumerable.Range(next, 5).Select(Line));
                next += 5;
            }

            await WaitForLinesAsync(next);

            // The pods go away, files the agent had closed to stay under max_open_files among them.
            files.ForEach(File.Delete);
            await Eventually.WaitAsync(() => files.All(f => agent.Output.Contains($"Released {f}", StringComparison.Ordinal)), "every deleted file released");
        }

        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);
        AssertExactly(next);
        Assert.That(agent.Output, Does.Not.Contain("stopped:").And.Not.Contain("ObjectDisposedException"));
    }

    [Test]
    public async Task Copytruncate_DuringOutageAndGrownBackPastReadPosition_NewContentShippedWhole()
    {
        var log = Path.Combine(Logs, "app.log");
        File.WriteAllLines(log, ["header", .. Enumerable.Range(0, 10).Select(i => $"before {i}")]);
        WriteProcessConfig(log, "max_line_bytes: 256\nmax_buffer_bytes: 2048\nbatch_size: 10");
        using var agent = AgentProcess.Start(Temp.Path);
        await WaitForLinesAsync(11);

        await Server.StopAsync();
        File.AppendAllLines(log, Enumerable.Range(0, 200).Select(i => $"old {i}"));
        await Eventually.WaitAsync(() => System.Text.RegularExpressions.Regex.IsMatch(agent.Output, @"Send to \S+ failed") || agent.Output.Contains("Will retry", StringComparison.OrdinalIgnoreCase), "the agent sees the outage", TimeSpan.FromSeconds(30));

        // copytruncate, and the application writes past where the reader was, same first line.
        var fresh = Enumerable.Range(0, 300).Select(i => $"new content line {i}").ToList();
        File.WriteAllLines(log, ["header", .. fresh]);
        Server = await Server.RestartAsync();

        await Eventually.WaitAsync(() => fresh.All(StoredTexts().Contains), "every line of the new content stored", TimeSpan.FromSeconds(60));
        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);

        var stored = StoredTexts();
        Assert.That(stored.Where(fresh.Contains).Count(), Is.EqualTo(fresh.Count), "each new line once");
        Assert.That(stored.Count(t => t == "header"), Is.EqualTo(2), "the old content's header and the new one's");
        Assert.That(stored, Has.No.Member(null));
    }

    [Test]
    public async Task Glob_QuestionMarkAndBrackets_ShipTheFilesTheyName()
    {
        File.WriteAllText(Path.Combine(Logs, "app-1.log"), "app one\n");
        File.WriteAllText(Path.Combine(Logs, "app-22.log"), "app twenty-two\n");
        File.WriteAllText(Path.Combine(Logs, "web-3.log"), "web three\n");
        File.WriteAllText(Path.Combine(Logs, "web-x.log"), "web x\n");
        await using var agent = StartAgent($"""
              - label: app
                path: {Path.Combine(Logs, "app-?.log")}
              - label: web
                path: {Path.Combine(Logs, "web-[0-9].log")}
            """);

        await WaitForLinesAsync(2);
        File.AppendAllText(Path.Combine(Logs, "web-3.log"), "web three again\n");
        await WaitForLinesAsync(3);
        await agent.StopAsync();

        Assert.That(StoredTexts(), Is.EquivalentTo(new[] { "app one", "web three", "web three again" }));
    }

    [Test]
    public async Task Checkpoints_FilesComeAndGo_DroppedOnceReleasedAndConfirmedAndKeptPrivate()
    {
        await using var agent = StartAgent(Source(Path.Combine(Logs, "*.log")));
        var next = 0;
        for (var round = 0; round < 10; round++)
        {
            var files = Enumerable.Range(0, 20).Select(i => Path.Combine(Logs, $"job-{round}-{i}.log")).ToList();
            foreach (var file in files)
            {
                File.AppendAllLines(file, Enumerable.Range(next, 2).Select(Line));
                next += 2;
            }

            await WaitForLinesAsync(next);
            files.ForEach(File.Delete);
        }

        var checkpoints = Temp.Combine("state", CheckpointStore.FileName);
        await Eventually.WaitAsync(() => CheckpointedFiles(checkpoints) == 0, "the checkpoints of 200 deleted files dropped", TimeSpan.FromSeconds(30));
        await agent.StopAsync();

        AssertExactly(next);
        Assert.That(File.GetUnixFileMode(checkpoints), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(new FileInfo(checkpoints).Length, Is.LessThan(1024), "a file the size of its sources, not of every file ever seen");
    }

    [Test]
    public async Task UnreadableFolderUnderDoubleStar_SkippedWithOneWarning_OtherFilesShipped()
    {
        Directory.CreateDirectory(Path.Combine(Logs, "ok"));
        Directory.CreateDirectory(Path.Combine(Logs, "locked"));
        File.WriteAllLines(Path.Combine(Logs, "top.log"), [Line(0)]);
        File.WriteAllLines(Path.Combine(Logs, "ok", "a.log"), [Line(1)]);
        File.WriteAllLines(Path.Combine(Logs, "locked", "b.log"), ["never read"]);
        LockAway(Path.Combine(Logs, "locked"));
        WriteProcessConfig(Path.Combine(Logs, "**", "*.log"));

        // As root the folder would be readable anyway: run the agent without the capabilities
        // that bypass file permissions, as the shipped systemd unit's user would be.
        using var agent = AgentProcess.StartWrapped(Temp.Path, IsRoot ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] : []);
        await WaitForLinesAsync(2);
        File.AppendAllLines(Path.Combine(Logs, "ok", "a.log"), [Line(2)]);
        await WaitForLinesAsync(3);
        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);

        AssertExactly(3);
        var warnings = agent.Output.Split('\n').Count(l => l.Contains("Cannot list folder", StringComparison.Ordinal) && l.Contains("locked", StringComparison.Ordinal));
        Assert.That(warnings, Is.EqualTo(1), agent.Output);
    }

    [Test]
    public async Task Fifo_AmongLogFiles_SkippedWithoutBlockingTheSource()
    {
        File.WriteAllLines(Path.Combine(Logs, "a.log"), [Line(0)]);
        Assert.That(mkfifo(Path.Combine(Logs, "b-pipe.log"), 0x180), Is.Zero, "mkfifo");
        File.WriteAllLines(Path.Combine(Logs, "c.log"), [Line(1)]);
        await using var agent = StartAgent(Source(Path.Combine(Logs, "*.log")));

        await WaitForLinesAsync(2);
        File.AppendAllLines(Path.Combine(Logs, "c.log"), [Line(2)]);
        await WaitForLinesAsync(3);
        await agent.StopAsync();

        AssertExactly(3);
    }

    [Test]
    public async Task SameFileInTwoSourcesAndThroughALink_ReadOnceUnderOneSourceAndPath()
    {
        var log = Path.Combine(Logs, "app.log");
        File.WriteAllLines(log, [Line(0), Line(1), Line(2)]);
        File.CreateSymbolicLink(Path.Combine(Logs, "app-link.log"), log);
        await using var agent = StartAgent($"""
              - label: all
                path: {Path.Combine(Logs, "*.log")}
              - label: app
                path: {Path.Combine(Logs, "app*")}
            """);

        await WaitForLinesAsync(3);
        File.AppendAllLines(log, [Line(3), Line(4)]);
        await WaitForLinesAsync(5);
        await agent.StopAsync();

        AssertExactly(5);
        var stored = Server.Store.ReadLines();
        Assert.That(stored.Select(l => (l.Label, l.Source)).Distinct().Count(), Is.EqualTo(1), "one reader, one path");
        Assert.That(agent.Runner.Counters.LinesRead, Is.EqualTo(5), "read once, not once per path");
    }

    [Test]
    public async Task LongLineOfInvalidUtf8_UnderFourMiBMaxLineBytes_ShippedInPiecesAndTheSourceGoesOn()
    {
        var log = Path.Combine(Logs, "bin.log");
        var junk = Enumerable.Repeat((byte)0xFF, 2 * 1024 * 1024).ToArray();
        File.WriteAllBytes(log, [.. junk, (byte)'\n', .. "after\n"u8.ToArray()]);
        await using var agent = StartAgent(Source(log), "max_line_bytes: 4194304");

        await Eventually.WaitAsync(() => StoredTexts().Contains("after"), "the line after the junk stored", TimeSpan.FromSeconds(60));
        await agent.StopAsync();

        var stored = Server.Store.ReadLines();
        Assert.That(stored.Select(l => System.Text.Encoding.UTF8.GetByteCount(l.Line)), Has.All.LessThanOrEqualTo(LineText.MaxBytes));
        Assert.That(stored.Where(l => l.Line != "after").Sum(l => l.Line.Length), Is.EqualTo(junk.Length), "every junk byte shipped, as U+FFFD");
    }

    [Test]
    public async Task SecondAgentOnTheSameStateDir_RefusesToStartWithAClearError()
    {
        WriteProcessConfig(Path.Combine(Logs, "*.log"));
        using var first = AgentProcess.Start(Temp.Path);
        await Eventually.WaitAsync(() => Server.Store.CountHeartbeats() > 0, "the first agent runs");

        using (var second = AgentProcess.Start(Temp.Path))
        {
            Assert.That(await second.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.StateDirInUse), second.Output);
            Assert.That(second.Output, Does.Contain("in use by another rlog-agent").And.Contain(Temp.Combine("state", "agent.lock")));
        }

        File.WriteAllLines(Path.Combine(Logs, "a.log"), [Line(0)]);
        await WaitForLinesAsync(1);
        first.Signal(AgentProcess.Sigterm);
        Assert.That(await first.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), first.Output);
    }

    private static bool IsRoot => geteuid() == 0;

    private static void LockAway(string folder)
    {
        // Owned by nobody and closed to others: unreadable for an agent without DAC override.
        const int nobody = 65534;
        if (IsRoot)
        {
            Assert.That(chown(folder, nobody, nobody), Is.Zero, "chown");
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            File.SetUnixFileMode(folder, UnixFileMode.None);
        }
    }

    private static int CheckpointedFiles(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.GetProperty("files").GetArrayLength();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return -1;
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, int owner, int group);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
