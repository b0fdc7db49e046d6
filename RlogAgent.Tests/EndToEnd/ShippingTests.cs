using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>The agent in this process, a real server on loopback, real files in a temp folder.</summary>
[TestFixture]
public sealed class ShippingTests : EndToEndTest
{
    [Test]
    public async Task Run_TwoSources_EveryLineArrivesOnceWithItsLabel()
    {
        var app = Temp.Combine("app.log");
        var web = Temp.Combine("web.log");
        File.WriteAllText(app, "app existing\n");
        await using var agent = StartAgent($"""
              - label: app
                path: {app}
              - label: web
                path: {web}
            """);

        AppendLines(app, "app", 50);
        AppendLines(web, "web", 30);
        await WaitForLinesAsync(81);

        var lines = Lines();
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.Label == "app").Select(l => l.Line), Is.EqualTo(new[] { "app existing" }.Concat(Numbered("app", 50))));
            Assert.That(lines.Where(l => l.Label == "web").Select(l => l.Line), Is.EqualTo(Numbered("web", 30)));
            Assert.That(lines.Where(l => l.Label == "web").Select(l => l.Source).Distinct(), Is.EqualTo(new[] { web }));
            Assert.That(lines.Select(l => (l.FileId, l.Offset)).Distinct().Count(), Is.EqualTo(81));
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
        Assert.That(Server.Store.CountLines(), Is.EqualTo(81), "nothing sent twice at shutdown");
    }

    [Test]
    public async Task Run_ReadFromEnd_SkipsWhatExistedAtFirstStartButReadsNewFilesWhole()
    {
        var old = Temp.Combine("logs", "old.log");
        Directory.CreateDirectory(Path.GetDirectoryName(old)!);
        File.WriteAllText(old, "before start\n");
        var yaml = AgentHarness.Config(Server.Address, Temp.Combine("state"), $"""
              - label: app
                path: {Temp.Combine("logs", "*.log")}
            """).Replace("read_from: beginning", "read_from: end", StringComparison.Ordinal);
        await using var agent = AgentHarness.Start(Temp.Combine("agent.yaml"), yaml);
        await WaitForOpenFilesAsync(agent, 1);

        File.AppendAllText(old, "after start\n");
        File.WriteAllText(Temp.Combine("logs", "new.log"), "in a new file\n");
        await WaitForLinesAsync(2);

        Assert.That(Lines().Select(l => l.Line), Is.EquivalentTo(new[] { "after start", "in a new file" }));
    }

    [Test]
    public async Task Run_RenameRotation_OldFileReadToItsEndAndNewFileFromItsStart()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        await using var agent = StartAgent($"""
              - label: app
                path: {log}
            """);
        AppendLines(log, "before", 20);
        await WaitForLinesAsync(20);

        File.Move(log, log + ".1");
        AppendLines(log + ".1", "late write to rotated", 5);
        AppendLines(log, "after", 10);
        await WaitForLinesAsync(35);

        var texts = Lines().Select(l => l.Line).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(texts, Is.SupersetOf(Numbered("late write to rotated", 5)));
            Assert.That(texts, Is.SupersetOf(Numbered("after", 10)));
            Assert.That(texts, Has.Count.EqualTo(35));
        });
    }

    [Test]
    public async Task Run_CopyTruncate_NewContentShippedUnderANewFileId()
    {
        var log = Temp.Combine("app.log");
        AppendLines(log, "generation one", 10);
        await using var agent = StartAgent($"""
              - label: app
                path: {log}
            """);
        await WaitForLinesAsync(10);

        File.WriteAllText(log, "");
        await Eventually.WaitAsync(() => File.ReadAllText(Temp.Combine("state", "checkpoints.json")).Contains("\"generation\": 1", StringComparison.Ordinal), "truncation noticed");
        AppendLines(log, "generation two", 5);
        await WaitForLinesAsync(15);

        var lines = Lines();
        var second = lines.Where(l => l.Line.StartsWith("generation two", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(second.Select(l => l.Line), Is.EqualTo(Numbered("generation two", 5)));
            Assert.That(second[0].Offset, Is.Zero);
            Assert.That(second[0].FileId, Is.Not.EqualTo(lines[0].FileId));
        });
    }

    [Test]
    public async Task Run_LineWrittenInTwoParts_ArrivesWhole()
    {
        var log = Temp.Combine("logs", "app.log");
        var marker = Temp.Combine("logs", "marker.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        File.WriteAllText(log, "");
        await using var agent = StartAgent($"""
              - label: app
                path: {Temp.Combine("logs", "*.log")}
            """);
        await WaitForOpenFilesAsync(agent, 1);

        File.AppendAllText(log, "first half, ");
        // The collector reads both files in one pass: once the marker line is stored, the half
        // line has been seen and held.
        File.WriteAllText(marker, "marker\n");
        await WaitForLinesAsync(1);
        File.AppendAllText(log, "second half\n");
        await WaitForLinesAsync(2);

        Assert.That(Lines().Select(l => l.Line), Is.EqualTo(new[] { "marker", "first half, second half" }));
    }

    [Test]
    public async Task Run_RestartedInTheMiddle_EveryLineStoredOnceAndNothingResentAfterCleanStop()
    {
        var log = Temp.Combine("app.log");
        AppendLines(log, "run one", 40);
        await using (var first = StartAgent($"""
              - label: app
                path: {log}
            """))
        {
            await WaitForLinesAsync(40);
            Assert.That(await first.StopAsync(), Is.EqualTo(ExitCodes.Ok));
        }

        AppendLines(log, "while stopped", 10);
        await using var second = StartAgent($"""
              - label: app
                path: {log}
            """);
        await WaitForLinesAsync(50);
        await second.StopAsync();

        var lines = Lines();
        Assert.That(lines.Select(l => l.Line), Is.EqualTo(Numbered("run one", 40).Concat(Numbered("while stopped", 10))));
        Assert.That(second.Runner.Counters.LinesSent, Is.EqualTo(10), "the second run resumed at the confirmed checkpoint");
    }

    private IReadOnlyList<StoredLine> Lines() => Server.Store.ReadLines();

    private static Task WaitForOpenFilesAsync(AgentHarness agent, int count) =>
        Eventually.WaitAsync(() => agent.Runner.OpenFiles >= count, $"{count} files open");

    private static void AppendLines(string path, string prefix, int count) =>
        File.AppendAllLines(path, Numbered(prefix, count));

    private static IEnumerable<string> Numbered(string prefix, int count) =>
        Enumerable.Range(1, count).Select(i => $"{prefix} {i}");
}
