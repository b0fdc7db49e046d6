using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// Events that carry their own time and level, end to end with the reference server: parsed at the
/// agent, dropped and redacted before they leave the host, and exactly once through a restart.
/// </summary>
[TestFixture]
public sealed class EventParsingTests : EndToEndTest
{
    [Test]
    public async Task JsonSource_TimeLevelFieldsStoredAndDropRedactExactlyOnceThroughARestart()
    {
        var log = Temp.Combine("api.log");
        var sources = $"""
              - label: api
                path: {log}
                parse:
                  format: json
                  fields: [user]
                drop: ['"GET /healthz']
                redact:
                  - pattern: '(?i)(password|token)=[^" ]+'
                    replace: '$1=***'
            """;
        File.WriteAllLines(log,
        [
            """{"time":"2026-11-28T07:00:00Z","level":"info","msg":"GET /healthz"}""",
            """{"time":"2026-11-28T07:00:01Z","level":"warning","msg":"login token=abc123","user":"ann"}""",
            "not json",
            """{"time":"2026-11-28T07:00:01Z","level":"info","msg":"GET /healthz"}""",
        ]);
        await using (var agent = StartAgent(sources))
        {
            await WaitForLinesAsync(2);
            await Eventually.WaitAsync(() => agent.Runner.Counters.ParseFailures == 1 && agent.Runner.Counters.EventsDropped == 2, "the line that is not JSON counted, both health checks dropped");
            await agent.StopAsync();
        }

        // The file's last line was dropped: its bytes are confirmed all the same, so nothing is read again.
        Assert.That(File.ReadAllText(Temp.Combine("state", "checkpoints.json")), Does.Contain($"\"offset\": {new FileInfo(log).Length}"));

        File.AppendAllLines(log,
        [
            """{"time":"2026-11-28T07:00:02Z","level":"info","msg":"GET /healthz"}""",
            """{"ts":1764313203,"lvl":"E","msg":"password=hunter2 rejected"}""",
        ]);
        await using (var agent = StartAgent(sources))
        {
            await WaitForLinesAsync(3);
            await agent.StopAsync();
        }

        var stored = Server.Store.ReadLines();
        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(l => l.Line), Is.EqualTo(new[]
            {
                """{"time":"2026-11-28T07:00:01Z","level":"warning","msg":"login token=***","user":"ann"}""",
                "not json",
                """{"ts":1764313203,"lvl":"E","msg":"password=*** rejected"}""",
            }), "health checks dropped, secrets redacted, each line once through the restart");
            Assert.That(stored[0].Timestamp, Is.EqualTo(new DateTimeOffset(2026, 11, 28, 7, 0, 1, TimeSpan.Zero)));
            Assert.That((stored[0].SeverityNumber, stored[0].SeverityText), Is.EqualTo((13, "warning")));
            Assert.That(stored[0].Attributes["user"], Is.EqualTo("ann"));
            Assert.That(stored[1].SeverityNumber, Is.Zero);
            Assert.That(stored[2].Timestamp, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(1764313203)));
            Assert.That((stored[2].SeverityNumber, stored[2].SeverityText), Is.EqualTo((17, "E")));
        });
    }

    [Test]
    public async Task PlainSourceWithDetectLevel_LevelStoredAndQueryableByLevel()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllLines(log, ["2026-11-28 07:00:00 INFO started", "2026-11-28 07:00:01 [ERROR] failed", "no level here"]);
        await using var agent = StartAgent($"""
              - label: app
                path: {log}
                detect_level: true
            """);

        await WaitForLinesAsync(3);
        var errors = await Server.Store.Lines.QueryAsync(new RlogServer.Storage.LineQuery { MinSeverity = 17 });

        Assert.That(Server.Store.ReadLines().Select(l => l.SeverityText), Is.EqualTo(new[] { "INFO", "ERROR", "" }));
        Assert.That(errors.Select(l => l.Line), Is.EqualTo(new[] { "2026-11-28 07:00:01 [ERROR] failed" }));
        await agent.StopAsync();
    }
}
