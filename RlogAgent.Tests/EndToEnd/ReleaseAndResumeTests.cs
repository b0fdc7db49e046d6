using RlogAgent.Tests.Metrics;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// Files that leave a source's patterns and come back after a restart: every rotated file is read out
/// and released by the source that owns it, whatever happened to it while it was closed or unnamed.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "rename of open files")]
public sealed class ReleaseAndResumeTests : EndToEndTest
{
    private string Logs => Temp.Combine("logs");

    [SetUp]
    public void CreateLogsFolder() => Directory.CreateDirectory(Logs);

    [Test]
    public async Task Restart_TwoSourcesShareALabel_EachResumesOnlyItsOwnRotatedFile()
    {
        Directory.CreateDirectory(Path.Combine(Logs, "a"));
        Directory.CreateDirectory(Path.Combine(Logs, "b"));
        var a = Path.Combine(Logs, "a", "app.log");
        var b = Path.Combine(Logs, "b", "app.log");
        // b is listed first: its collector starts first and, matching by label, took a's files.
        var sources = $"""
              - label: app
                path: {Path.Combine(Logs, "b", "*.log")}
                attributes: {"{"}from: b{"}"}
              - label: app
                path: {Path.Combine(Logs, "a", "*.log")}
                attributes: {"{"}from: a{"}"}
            """;
        Append(a, 0, 10);
        Append(b, 10, 10);
        // Source a has more files to open at start, so b is done with its own first.
        for (var i = 0; i < 100; i++)
        {
            Append(Path.Combine(Logs, "a", $"other-{i:D3}.log"), 25 + i, 1);
        }

        await using (var agent = StartAgent(sources))
        {
            await WaitForLinesAsync(120);
            await agent.StopAsync();
        }

        // Rotated while the agent was stopped, and written to after the rotation.
        File.Move(a, a + ".1");
        Append(a + ".1", 20, 5);
        await using (var agent = StartAgent(sources))
        {
            await WaitForLinesAsync(125);
            await agent.StopAsync();
        }

        AssertExactly(125);
        var fromA = Server.Store.ReadLines().Where(l => l.Source.StartsWith(Path.Combine(Logs, "a"), StringComparison.Ordinal)).ToList();
        Assert.That(fromA, Has.Count.EqualTo(115));
        Assert.That(fromA.Select(l => l.Attributes.GetValueOrDefault("from")), Is.All.EqualTo("a"), "a's rotated file read by source a");
    }

    [Test]
    public async Task Rotation_FirstLineNeverFinished_PartialLineShippedAndFileReleased()
    {
        var log = Path.Combine(Logs, "app.log");
        File.WriteAllText(log, "no newline yet");
        var logs = new RecordingLoggerProvider();
        await using var agent = StartAgent(Source(Path.Combine(Logs, "*.log")), "rotate_wait: 0.3", logs);
        await Eventually.WaitAsync(() => logs.Logger.Entries.Any(e => e.Message.Contains(log, StringComparison.Ordinal)), "the file opened");

        File.Move(log, log + ".1");

        // Without a file_id it was never "caught up", so never released: a descriptor and a checkpoint held for good.
        await WaitForLinesAsync(1);
        await Eventually.WaitAsync(() => logs.Logger.Entries.Any(e => e.Message.StartsWith("Released", StringComparison.Ordinal)), "the file released");
        Assert.That(StoredTexts(), Is.EqualTo(new[] { "no newline yet" }));
        await agent.StopAsync();
    }

    [Test]
    public async Task MaxOpenFiles_FileClosedForRoomThenRotatedWhileNoHandleIsFree_WrittenBytesStillShipped()
    {
        var x = Path.Combine(Logs, "x.log");
        var y = Path.Combine(Logs, "y.log");
        var logs = new RecordingLoggerProvider();
        await using var agent = StartAgent(Source(Path.Combine(Logs, "*.log")), "max_open_files: 1\nrotate_wait: 2", logs);
        Append(x, 0, 3);
        await WaitForLinesAsync(3);
        Append(y, 3, 3);
        await WaitForLinesAsync(6);

        // y rotated and still followed (a detached file keeps its handle until rotate_wait), so no
        // handle can be freed for x when x is rotated in turn right after being written to.
        File.Move(y, y + ".1");
        await Eventually.WaitAsync(() => logs.Logger.Entries.Any(e => e.Message.Contains($"{y} was rotated away", StringComparison.Ordinal)), "y detached");
        Append(x, 6, 3);
        File.Move(x, x + ".1");

        await WaitForLinesAsync(9, TimeSpan.FromSeconds(20));
        AssertExactly(9);
        Assert.That(logs.Logger.Entries.Select(e => e.Message), Has.None.Contains("is gone: its"));
        await agent.StopAsync();
    }

    [Test]
    public async Task Start_SourcePathMatchesNothing_WarnedOnceNamingItThenSaidWhenFilesAppear()
    {
        var logs = new RecordingLoggerProvider();
        var pattern = Path.Combine(Logs, "*.lgo");
        await using var agent = StartAgent(Source(pattern, "typo"), logs: logs);
        await Eventually.WaitAsync(() => logs.Logger.Entries.Any(e => e.EventId.Id == 121), "the warning");

        Assert.That(logs.Logger.Entries.Single(e => e.EventId.Id == 121).Message, Does.Contain("typo").And.Contain(pattern));
        Assert.That(agent.Runner.Counters.SourcesMatchingNothing, Has.Count.EqualTo(1));

        Append(Path.Combine(Logs, "app.lgo"), 0, 2);
        await WaitForLinesAsync(2);
        await Eventually.WaitAsync(() => logs.Logger.Entries.Any(e => e.EventId.Id == 122), "said when it matches");
        Assert.That(agent.Runner.Counters.SourcesMatchingNothing, Is.Empty);
        Assert.That(logs.Logger.Entries.Count(e => e.EventId.Id == 121), Is.EqualTo(1), "said once, not at every scan");
        await agent.StopAsync();
    }
}
