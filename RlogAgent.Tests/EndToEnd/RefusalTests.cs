using System.Text.Json;
using Microsoft.Extensions.Logging;
using RlogAgent.Hosting;
using RlogAgent.Storage;
using RlogAgent.Tests.Metrics;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// The reference server on loopback refusing some lines (INVALID_ARGUMENT at the call's end or
/// mid-stream, RESOURCE_EXHAUSTED for a message too big) or every line: what is refused is set
/// aside in rejected.jsonl, everything else is stored once, and a server that refuses everything
/// gets a backoff, not the agent's lines.
/// </summary>
[TestFixture]
public sealed class RefusalTests : EndToEndTest
{
    /// <summary>Bytes of each numbered line on disk: "line 000017\n".</summary>
    private const int LineBytes = 12;

    /// <summary>The server's receive limit in <see cref="BatchTooBig_ServerWithSmallMessageLimit_SplitAndOnlyTheLineTooBigSetAside"/>.</summary>
    private const int SmallMessageLimit = 64 * 1024;

    private FaultPlan _faults = null!;
    private int? _maxReceiveMessageSize;

    protected override Task<TestServer> StartTestServerAsync()
    {
        _faults = new FaultPlan();
        _maxReceiveMessageSize = TestContext.CurrentContext.Test.MethodName == nameof(BatchTooBig_ServerWithSmallMessageLimit_SplitAndOnlyTheLineTooBigSetAside)
            ? SmallMessageLimit
            : null;
        return TestServer.StartAsync(grpc: g =>
        {
            g.Interceptors.Add<FaultInjector>(_faults);
            if (_maxReceiveMessageSize is { } limit)
            {
                g.MaxReceiveMessageSize = limit;
            }
        });
    }

    [Test]
    public async Task TwoLinesRefusedAtCallEnd_RestStoredOnceRefusedSetAsideAndARestartResendsNothing()
    {
        _faults.RefuseAt = RefusalPoint.CallEnd;
        _faults.RefusedLines[Line(17)] = true;
        _faults.RefusedLines[Line(64)] = true;
        var log = Temp.Combine("app.log");
        Append(log, 0, 100);

        await using (var agent = StartAgent(Source(log)))
        {
            await Eventually.WaitAsync(() => Server.Store.CountLines() >= 98 && RejectedRecords().Count >= 2, "98 lines stored and 2 set aside", TimeSpan.FromSeconds(40));
            var samples = AgentMetricsTests.Scrape(new AgentMetrics(agent.Runner.Counters, tokens: null, () => 0, "test"));

            Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
            Assert.Multiple(() =>
            {
                Assert.That(agent.Runner.Counters.LinesRejected, Is.EqualTo(2));
                Assert.That(samples["rlog_agent_lines_rejected_total"], Is.EqualTo(2));
                Assert.That(agent.Runner.Counters.LinesConfirmed, Is.EqualTo(98));
            });
        }

        AssertStoredExactlyAllBut(100, 17, 64);
        var stored = Server.Store.ReadLines();
        var records = RejectedRecords();
        Assert.That(records.Select(r => r.GetProperty("line").GetString()), Is.EquivalentTo(new[] { Line(17), Line(64) }));
        foreach (var record in records)
        {
            var line = record.GetProperty("line").GetString()!;
            var number = int.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Multiple(() =>
            {
                Assert.That(record.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "time", "batch_id", "label", "source", "file_id", "offset", "line", "status", "message" }));
                Assert.That(record.GetProperty("time").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)));
                Assert.That(record.GetProperty("batch_id").GetString(), Does.Match("^[0-9a-f-]{36}(\\.[12])+$"), "a part of the refused batch, named after it");
                Assert.That(record.GetProperty("label").GetString(), Is.EqualTo("app"));
                Assert.That(record.GetProperty("source").GetString(), Is.EqualTo(log));
                Assert.That(record.GetProperty("file_id").GetString(), Is.EqualTo(stored[0].FileId));
                Assert.That(record.GetProperty("offset").GetUInt64(), Is.EqualTo((ulong)(number * LineBytes)));
                Assert.That(record.GetProperty("status").GetString(), Is.EqualTo("INVALID_ARGUMENT"));
                Assert.That(record.GetProperty("message").GetString(), Does.Contain("refuses"));
            });
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(RejectedPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }

        Assert.That(CheckpointOffset(), Is.EqualTo(new FileInfo(log).Length), "the checkpoint is past the refused lines");

        // A restart re-sends nothing: only the line written after it goes to the server.
        var receivedBefore = _faults.LinesReceived;
        Append(log, 100, 1);
        await using (var again = StartAgent(Source(log)))
        {
            await WaitForLinesAsync(99);
            Assert.That(await again.StopAsync(), Is.EqualTo(ExitCodes.Ok));
            Assert.That(again.Runner.Counters.LinesSent, Is.EqualTo(1));
        }

        Assert.Multiple(() =>
        {
            Assert.That(_faults.LinesReceived - receivedBefore, Is.EqualTo(1));
            Assert.That(RejectedRecords(), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task LinesRefusedMidStreamWithBacklogBehind_EverythingElseStoredWithoutStalling()
    {
        using var logs = new CapturingLoggerProvider();
        _faults.RefuseAt = RefusalPoint.MidStream;
        _faults.RefusedLines[Line(150)] = true;
        _faults.RefusedLines[Line(777)] = true;
        var log = Temp.Combine("app.log");
        Append(log, 0, 2000);
        await using var agent = StartAgent(Source(log), logs: logs);

        await Eventually.WaitAsync(() => Server.Store.CountLines() >= 1998 && RejectedRecords().Count >= 2, $"1998 lines stored (have {Server.Store.CountLines()}) and 2 set aside", TimeSpan.FromSeconds(60));
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));

        AssertStoredExactlyAllBut(2000, 150, 777);
        var rejectedLogs = logs.Entries.Where(e => e.EventId.Id == 303).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(RejectedRecords().Select(r => r.GetProperty("line").GetString()), Is.EquivalentTo(new[] { Line(150), Line(777) }));
            Assert.That(agent.Runner.Counters.LinesRejected, Is.EqualTo(2));
            Assert.That(rejectedLogs, Has.Count.EqualTo(2), "each refused batch logged once");
            Assert.That(rejectedLogs.Select(e => e.Message), Has.All.Match("refused batch [0-9a-f-]{36} "));
            Assert.That(CheckpointOffset(), Is.EqualTo(new FileInfo(log).Length));
        });
    }

    [Test]
    public async Task OneSourceRefusedOnEveryLine_ItsLinesSetAsideAndTheOtherSourcesGoOn()
    {
        var good = Temp.Combine("good.log");
        var bad = Temp.Combine("bad.log");
        Append(good, 0, 50);
        await using var agent = StartAgent(Source(good, "good") + "\n" + Source(bad, "bad"));
        await WaitForLinesAsync(50);

        // Every line of one label refused, as a label over the server's limit is: the streak of
        // refusals tripped and the sender backed off for good, stopping every source.
        _faults.RefusedLabel = "bad";
        File.AppendAllLines(bad, Enumerable.Range(0, 300).Select(i => $"bad {i}"));
        Append(good, 50, 50);

        await WaitForLinesAsync(100, TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(() => agent.Runner.Counters.LinesRejected == 300, "every bad line set aside", TimeSpan.FromSeconds(60));
        Append(good, 100, 20);
        await WaitForLinesAsync(120, TimeSpan.FromSeconds(30));
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));

        AssertExactly(120);
        Assert.That(File.ReadAllLines(RejectedPath), Has.Length.EqualTo(300));
    }

    [Test]
    public async Task EveryLineRefused_BacksOffWithoutSettingAsideOrMovingTheCheckpoint()
    {
        using var logs = new CapturingLoggerProvider();
        _faults.RefuseAllLines = true;
        var log = Temp.Combine("app.log");
        Append(log, 0, 300);
        await using var agent = StartAgent(Source(log), logs: logs);

        int Trips() => logs.Entries.Count(e => e.EventId.Id == 308);
        await Eventually.WaitAsync(() => Trips() >= 2, "the agent stopped splitting and backed off twice", TimeSpan.FromSeconds(40));
        var callsAtSecondTrip = _faults.SendCalls;
        await Eventually.WaitAsync(() => Trips() >= 3, "a third backoff", TimeSpan.FromSeconds(40));
        var callsBetweenTrips = _faults.SendCalls - callsAtSecondTrip;
        await Eventually.WaitAsync(() => File.Exists(CheckpointsPath), "checkpoints written");

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(RejectedPath), Is.False, "nothing set aside");
            Assert.That(agent.Runner.Counters.LinesRejected, Is.Zero);
            Assert.That(Server.Store.CountLines(), Is.Zero);
            Assert.That(CheckpointOffset(), Is.Zero, "the checkpoint did not move");
            Assert.That(callsBetweenTrips, Is.LessThanOrEqualTo(4), "after a trip, the next refusal trips at once: no new round of splitting");
            Assert.That(logs.Entries.Where(e => e.EventId.Id == 308).Select(e => e.Level), Has.All.EqualTo(LogLevel.Error));
        });

        _faults.RefuseAllLines = false;
        await WaitForLinesAsync(300, TimeSpan.FromSeconds(60));
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));

        AssertExactly(300);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(RejectedPath), Is.False);
            Assert.That(CheckpointOffset(), Is.EqualTo(new FileInfo(log).Length));
        });
    }

    [Test]
    public async Task BatchTooBig_ServerWithSmallMessageLimit_SplitAndOnlyTheLineTooBigSetAside()
    {
        // 100 lines of 1 KiB make a batch the server's 64 KiB limit refuses (RESOURCE_EXHAUSTED);
        // halves fit, except the one line that is too big on its own.
        var log = Temp.Combine("app.log");
        var filler = new string('x', 1000);
        var big = "big " + new string('y', SmallMessageLimit);
        File.WriteAllLines(log, Enumerable.Range(0, 100).Select(i => i == 42 ? big : $"{Line(i)} {filler}"));
        await using var agent = StartAgent(Source(log));

        await Eventually.WaitAsync(() => Server.Store.CountLines() >= 99 && RejectedRecords().Count >= 1, $"99 lines stored (have {Server.Store.CountLines()}) and 1 set aside", TimeSpan.FromSeconds(60));
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));

        var stored = StoredTexts();
        var record = RejectedRecords().Single();
        Assert.Multiple(() =>
        {
            Assert.That(stored, Has.Count.EqualTo(99));
            Assert.That(stored, Is.Unique);
            Assert.That(stored, Does.Not.Contain(big));
            Assert.That(record.GetProperty("line").GetString(), Is.EqualTo(big));
            Assert.That(record.GetProperty("status").GetString(), Is.EqualTo("RESOURCE_EXHAUSTED"));
            Assert.That(CheckpointOffset(), Is.EqualTo(new FileInfo(log).Length));
        });
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "POSIX signals")]
    public async Task RefusedLine_AgentProcess_SetAsideOwnerOnlyAndSigtermExitsZero()
    {
        _faults.RefusedLines[Line(5)] = true;
        var log = Temp.Combine("app.log");
        Append(log, 0, 50);
        WriteProcessConfig(log);
        using var agent = AgentProcess.Start(Temp.Path);

        await Eventually.WaitAsync(() => Server.Store.CountLines() >= 49 && RejectedRecords().Count >= 1, "49 lines stored and 1 set aside", TimeSpan.FromSeconds(40));
        agent.Signal(AgentProcess.Sigterm);

        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);
        AssertStoredExactlyAllBut(50, 5);
        Assert.Multiple(() =>
        {
            Assert.That(RejectedRecords().Single().GetProperty("line").GetString(), Is.EqualTo(Line(5)));
            Assert.That(OperatingSystem.IsWindows() ? AtomicFile.PrivateMode : File.GetUnixFileMode(RejectedPath), Is.EqualTo(AtomicFile.PrivateMode));
            Assert.That(agent.Output, Does.Contain("refused batch"));
            Assert.That(CheckpointOffset(), Is.EqualTo(new FileInfo(log).Length));
        });
    }

    /// <summary>Both the in-process harness and the process keep state in Temp/state.</summary>
    private string RejectedPath => Temp.Combine("state", "rejected.jsonl");

    private string CheckpointsPath => Temp.Combine("state", "checkpoints.json");

    private List<JsonElement> RejectedRecords()
    {
        if (!File.Exists(RejectedPath))
        {
            return [];
        }

        return File.ReadAllLines(RejectedPath)
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
    }

    /// <summary>The one file's confirmed offset in checkpoints.json (0 when it has none yet).</summary>
    private long CheckpointOffset()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(CheckpointsPath));
        return json.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("offset").GetInt64()).DefaultIfEmpty(0).Single();
    }

    /// <summary>Lines 0 to count-1 but <paramref name="refused"/> are stored, each exactly once.</summary>
    private void AssertStoredExactlyAllBut(int count, params int[] refused)
    {
        var lines = StoredTexts();
        var expected = Enumerable.Range(0, count).Except(refused).Select(Line).ToList();
        Assert.That(lines, Has.Count.EqualTo(expected.Count), "each line stored once");
        Assert.That(lines.Order(StringComparer.Ordinal), Is.EqualTo(expected), "no line lost");
    }
}
