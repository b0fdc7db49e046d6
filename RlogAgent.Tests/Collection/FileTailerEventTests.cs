using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection;

/// <summary>The reader with a record format or a multi-line rule: events, their time, stream, attributes and offsets.</summary>
[TestFixture]
public sealed class FileTailerEventTests
{
    private TempFolder _temp = null!;
    private CheckpointStore _checkpoints = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _checkpoints = CheckpointStore.Load(_temp.Combine(), NullLogger.Instance, TimeProvider.System);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Read_CriWithPartialRecords_JoinedEventsWithRecordTimeStreamAndPodAttributes()
    {
        var folder = _temp.Combine("var", "log", "containers");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "web-7d9f_shop_nginx-" + new string('a', 64) + ".log");
        File.WriteAllText(path,
            "2026-11-28T07:00:00.123456789Z stdout P hello \n" +
            "2026-11-28T07:00:00.200000000Z stdout F world\n" +
            "2026-11-28T07:00:01.000000000Z stderr F oops\n");
        using var tailer = Open(path, new EventReading(SourceFormat.Cri, null, [new("cluster", "prod-eu")]));

        var events = ReadAll(tailer, out var chunks);

        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "hello world", "oops" }));
        Assert.That(events.Select(e => e.Offset), Is.EqualTo(new long[] { 0, 93 }));
        Assert.That(events[0].ReadAtUtc, Is.EqualTo(new DateTime(2026, 11, 28, 7, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567)), "the record's time, not the read time");
        Assert.That(chunks.SelectMany(Streams), Is.EqualTo(new[] { LogIoStream.Stdout, LogIoStream.Stderr }));
        var attributes = chunks[0].Origin.Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.That(attributes["cluster"], Is.EqualTo("prod-eu"));
        Assert.That(attributes["k8s.pod.name"], Is.EqualTo("web-7d9f"));
        Assert.That(attributes["k8s.namespace.name"], Is.EqualTo("shop"));
        Assert.That(attributes["k8s.container.name"], Is.EqualTo("nginx"));
        Release(chunks);
    }

    [Test]
    public void Read_JavaTraceWithMultiline_OneEventAndTheLastGoesAtItsTimeout()
    {
        var path = _temp.Combine("app.log");
        File.WriteAllText(path,
            "2026-11-28 07:00:00 INFO started\n" +
            "2026-11-28 07:00:01 ERROR failed\n" +
            "java.lang.IllegalStateException: boom\n" +
            "\tat com.example.App.run(App.java:12)\n" +
            "\tat com.example.App.main(App.java:5)\n");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var multiline = new MultilineOptions(MultilineOptions.CompileStartPattern(@"^\d{4}-\d{2}-\d{2} "), 500, TimeSpan.FromSeconds(1));
        using var tailer = FileTailer.Open("app", path, _checkpoints, startAtEnd: false, 1024 * 1024, NullLogger.Instance, time, new EventReading(SourceFormat.Plain, multiline, []));

        var first = ReadAll(tailer, out var chunks);
        Assert.That(first.Select(e => e.Text), Is.EqualTo(new[] { "2026-11-28 07:00:00 INFO started" }), "the trace waits for its next line or its timeout");
        Assert.That(tailer.EventsDueIn, Is.Not.Null);
        Assert.That(tailer.EmitExpiredEvents(), Is.Null, "not due yet");

        time.Advance(TimeSpan.FromSeconds(1.5));
        var expired = tailer.EmitExpiredEvents();

        var trace = TestLines.Of(expired!).Single();
        Assert.That(trace.Text, Is.EqualTo("2026-11-28 07:00:01 ERROR failed\njava.lang.IllegalStateException: boom\n\tat com.example.App.run(App.java:12)\n\tat com.example.App.main(App.java:5)"));
        Assert.That(trace.Offset, Is.EqualTo(33));
        Assert.That(trace.NextOffset, Is.EqualTo(new FileInfo(path).Length), "the checkpoint may pass the whole event");
        expired!.Release();
        Release(chunks);
    }

    [Test]
    public void Read_OpenMultilineEvent_CheckpointDoesNotPassItsFirstLine()
    {
        var path = _temp.Combine("app.log");
        File.WriteAllText(path, "2026-11-28 07:00:00 one\n2026-11-28 07:00:01 two\n  continued\n");
        var multiline = new MultilineOptions(MultilineOptions.CompileStartPattern(@"^\d{4}-"), 500, TimeSpan.FromMinutes(1));
        using var tailer = Open(path, new EventReading(SourceFormat.Plain, multiline, []));

        var events = ReadAll(tailer, out var chunks);

        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "2026-11-28 07:00:00 one" }));
        Assert.That(events.Single().NextOffset, Is.EqualTo(24), "a restart resumes at the open event's first line");
        Release(chunks);
    }

    [Test]
    public void FlushHeldLine_DockerFileReleased_OpenEventAndUnfinishedRecordGoOut()
    {
        var path = _temp.Combine("c.log");
        File.WriteAllText(path,
            "{\"log\":\"part one \",\"stream\":\"stdout\",\"time\":\"2026-11-28T07:00:00.5Z\"}\n" +
            "{\"log\":\"and two\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T07:00:00.6Z\"}\n" +
            "{\"log\":\"last\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-28T07:00:01Z\"}");
        using var tailer = Open(path, new EventReading(SourceFormat.Docker, null, []));
        var events = ReadAll(tailer, out var chunks);

        var end = tailer.FlushHeldLine(out var held);

        events.AddRange(TestLines.Of(held!));
        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "part one and two", "last" }));
        Assert.That(end, Is.EqualTo(new FileInfo(path).Length));
        held!.Release();
        Release(chunks);
    }

    [Test]
    public void FlushHeldLine_CriRecordHeldWhenClosedForRoom_ShippedWholeNotCutAtMaxLineBytes()
    {
        var path = _temp.Combine("c.log");
        var message = new string('x', 900);
        File.WriteAllText(path, "2026-11-28T07:00:00.000000000Z stdout F " + message);
        using var tailer = FileTailer.Open("app", path, _checkpoints, startAtEnd: false, 256, NullLogger.Instance, TimeProvider.System, new EventReading(SourceFormat.Cri, null, []));
        Assert.That(ReadAll(tailer, out _), Is.Empty, "a record without its newline is held");

        // Closed to stay under max_open_files, then deleted: the held record comes from memory.
        tailer.Close();
        File.Delete(path);
        tailer.FlushHeldLine(out var held);

        // The record was cut to max_line_bytes before it was decoded: 684 of its bytes were lost.
        var events = TestLines.Of(held!);
        Assert.That(string.Concat(events.Select(e => e.Text)), Is.EqualTo(message));
        Assert.That(events, Has.Count.GreaterThan(1), "cut into pieces after decoding, as any long event");
        held!.Release();
    }

    private FileTailer Open(string path, EventReading reading) =>
        FileTailer.Open("app", path, _checkpoints, startAtEnd: false, 1024 * 1024, NullLogger.Instance, TimeProvider.System, reading);

    private static List<LogLine> ReadAll(FileTailer tailer, out List<LineChunk> chunks)
    {
        var lines = new List<LogLine>();
        chunks = [];
        while (tailer.Read(out var chunk) > 0)
        {
            if (chunk is not null)
            {
                lines.AddRange(TestLines.Of(chunk));
                chunks.Add(chunk);
            }
        }

        return lines;
    }

    private static IEnumerable<LogIoStream> Streams(LineChunk chunk) => Enumerable.Range(0, chunk.Count).Select(i => chunk[i].Stream);

    private static void Release(List<LineChunk> chunks) => chunks.ForEach(c => c.Release());
}
