using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// Events rather than lines, against the reference server: container runtime records decoded and
/// joined, pod metadata from the file names, multi-line traces, the event's own time, static
/// attributes, and a SIGKILL in the middle of a multi-line event.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX signals and links")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EventsTests : EndToEndTest
{
    private const string ContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string PodUid = "7f3c9a52-1d2e-4b8a-9c61-0e2f4a5b6c7d";

    [Test]
    public async Task Cri_KubeletLayoutWithPartialRecords_JoinedEventsWithTimeStreamAndPodAttributes()
    {
        var target = Temp.Combine("var", "log", "pods", $"shop_web-7d9f_{PodUid}", "nginx", "0.log");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Directory.CreateDirectory(Temp.Combine("var", "log", "containers"));
        File.CreateSymbolicLink(Temp.Combine("var", "log", "containers", $"web-7d9f_shop_nginx-{ContainerId}.log"), target);
        File.WriteAllText(target,
            "2026-11-28T07:00:00.123456789Z stdout P GET /index.html \n" +
            "2026-11-28T07:00:00.123456999Z stdout P HTTP/1.1 \n" +
            "2026-11-28T07:00:00.200000000Z stdout F 200 élan\n" +
            "2026-11-28T07:00:01.000000000Z stderr F upstream timed out\n" +
            "not a cri record\n");
        await using var agent = StartAgent($"""
              - label: k8s
                path: {Temp.Combine("var", "log", "containers", "*.log")}
                format: cri
                attributes:
                  cluster: prod-eu
            """);

        await WaitForLinesAsync(3);
        await agent.StopAsync();

        var stored = Server.Store.ReadLines().OrderBy(l => l.Offset).ToList();
        Assert.That(stored.Select(l => l.Line), Is.EqualTo(new[] { "GET /index.html HTTP/1.1 200 élan", "upstream timed out", "not a cri record" }));
        // The record's time, not the read time (the reference server keeps milliseconds).
        Assert.That(stored[0].Timestamp, Is.EqualTo(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero).AddTicks(1_234_567)).Within(TimeSpan.FromMilliseconds(1)));
        Assert.That(stored[0].Attributes, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["cluster"] = "prod-eu",
            ["log.iostream"] = "stdout",
            ["k8s.pod.name"] = "web-7d9f",
            ["k8s.namespace.name"] = "shop",
            ["k8s.container.name"] = "nginx",
            ["container.id"] = ContainerId,
        }));
        Assert.That(stored[1].Attributes["log.iostream"], Is.EqualTo("stderr"));
        Assert.That(stored[2].Attributes.ContainsKey("log.iostream"), Is.False, "an unparsed line has no stream");
        Assert.That(agent.Runner.Counters.RecordsUnparsed, Is.EqualTo(1));
    }

    [Test]
    public async Task Docker_SplitRecordsAndPodsLayout_JoinedUnescapedWithUidAndRestartCount()
    {
        var log = Temp.Combine("pods", $"shop_api-5c4b_{PodUid}", "app", "2.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var half = new string('x', 16 * 1024);
        File.WriteAllText(log,
            $"{{\"log\":\"{half}\",\"stream\":\"stdout\",\"time\":\"2026-11-28T07:00:00.5Z\"}}\n" +
            $"{{\"log\":\"{half}\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T07:00:00.6Z\"}}\n" +
            "{\"log\":\"tab\\there \\\"quoted\\\" \\u00e9\\ud83d\\ude00\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-28T07:00:01Z\"}\n");
        await using var agent = StartAgent($"""
              - label: docker
                path: {Temp.Combine("pods", "*", "*", "*.log")}
                format: docker
            """);

        await WaitForLinesAsync(2);
        await agent.StopAsync();

        var stored = Server.Store.ReadLines().OrderBy(l => l.Offset).ToList();
        Assert.That(stored.Select(l => l.Line), Is.EqualTo(new[] { half + half, "tab\there \"quoted\" é😀" }));
        Assert.That(stored[0].Attributes["k8s.pod.uid"], Is.EqualTo(PodUid));
        Assert.That(stored[0].Attributes["k8s.container.restart_count"], Is.EqualTo("2"));
        Assert.That(stored[0].Attributes["k8s.pod.name"], Is.EqualTo("api-5c4b"));
    }

    [Test]
    public async Task Multiline_JavaAndPythonTraces_OneEventEachAndTheLastGoesAtItsTimeout()
    {
        var log = Temp.Combine("app.log");
        var java = "2026-11-28 07:00:01 ERROR request failed\n" +
            "java.lang.IllegalStateException: boom\n" +
            "\tat com.example.Handler.handle(Handler.java:42)\n" +
            "\tat com.example.Server.run(Server.java:7)\n" +
            "Caused by: java.io.IOException: closed\n" +
            "\t... 2 more\n";
        var python = "2026-11-28 07:00:02 ERROR job crashed\n" +
            "Traceback (most recent call last):\n" +
            "  File \"job.py\", line 3, in <module>\n" +
            "    main()\n" +
            "ValueError: bad input\n";
        File.WriteAllText(log, "2026-11-28 07:00:00 INFO started\n" + java + python);
        await using var agent = StartAgent($$"""
              - label: app
                path: {{log}}
                multiline:
                  start_pattern: '^\d{4}-\d{2}-\d{2} '
                  timeout: 0.5
            """);

        // No line follows the Python trace: it goes out at the timeout.
        await WaitForLinesAsync(3);
        await agent.StopAsync();

        Assert.That(StoredTexts(), Is.EqualTo(new[] { "2026-11-28 07:00:00 INFO started", java.TrimEnd('\n'), python.TrimEnd('\n') }));
    }

    [Test]
    public async Task Multiline_AgentKilledWhileAnEventIsOpen_EveryEventStoredOnceAndWhole()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "2026-11-28 07:00:00 first event\n  with a second line\n2026-11-28 07:00:01 second event\n  begun\n");
        WriteProcessConfig(log, sourceExtra: "    multiline:\n      start_pattern: '^\\d{4}-'\n      timeout: 60");
        using (var agent = AgentProcess.Start(Temp.Path))
        {
            await WaitForLinesAsync(1);

            // The second event is open (its timeout is a minute away): the agent dies with it.
            AgentProcess.Signal(agent.Id, 9);
            await agent.WaitForExitAsync(ExitTimeout);
        }

        File.AppendAllText(log, "  and ended after the restart\n2026-11-28 07:00:02 third event\n");
        using (var again = AgentProcess.Start(Temp.Path))
        {
            await WaitForLinesAsync(2);
            again.Signal(AgentProcess.Sigterm);
            Assert.That(await again.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), again.Output);
        }

        Assert.That(StoredTexts(), Is.EqualTo(new[]
        {
            "2026-11-28 07:00:00 first event\n  with a second line",
            "2026-11-28 07:00:01 second event\n  begun\n  and ended after the restart",
        }), "the open event is read again whole; the third waits for its own next line");
    }
}
