using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>
/// Multi-line events, with the start_pattern the README gives for each kind of log. An event goes out when
/// the next one starts; the last one waits for the timeout (or a flush), so the tests say which.
/// </summary>
[TestFixture]
public sealed class EventAssemblerMultilineTests
{
    /// <summary>README: logs whose entries start with an ISO date (log4j, logback, Python logging, Serilog).</summary>
    private const string TimestampLed = @"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}";

    /// <summary>README: bare Java stack traces: a line starts an event unless it is indented or a "Caused by:".</summary>
    private const string Java = @"^(?!\s|Caused by: )";

    /// <summary>README: bare Python tracebacks: indented lines, blank lines and the final "XxxError: ..." continue.</summary>
    private const string Python = @"^(?!\s|$|[\w.]*(Error|Exception|Warning|Exit|Interrupt)\b)";

    /// <summary>README: Go's log package lines, and a panic's or fatal error's first line, start an event; the goroutine dump continues it.</summary>
    private const string Go = @"^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} |panic: |fatal error: )";

    /// <summary>README: .NET: every line that does not start with white space (frames, inner exceptions and console logger bodies are indented).</summary>
    private const string DotNet = @"^\S";

    private FakeTimeProvider _clock = null!;
    private CollectingEventSink _sink = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero));
        _sink = new CollectingEventSink();
    }

    [Test]
    public void Add_JavaStackTraceWithCausedBy_OneEvent()
    {
        var assembler = New(Java);
        var trace = "Exception in thread \"main\" java.lang.IllegalStateException: boom\n"
            + "\tat com.example.Service.run(Service.java:42)\n"
            + "\tat com.example.Main.main(Main.java:7)\n"
            + "Caused by: java.io.IOException: disk full\n"
            + "\tat com.example.Store.write(Store.java:88)\n"
            + "\t... 3 more";
        var content = "Starting service\n" + trace + "\nService stopped\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "Starting service", trace }));
        Assert.That(_sink.Events[1].Offset, Is.EqualTo(starts[1]));
        Assert.That(_sink.Events[1].NextOffset, Is.EqualTo(starts[7]));
        Assert.That(_sink.Events[1].ResumeOffset, Is.EqualTo(starts[7]));
        Assert.That(assembler.PendingFrom, Is.EqualTo(starts[7]), "\"Service stopped\" waits for its next line");
    }

    [Test]
    public void Add_PythonLoggingWithTracebackUnderATimestampedLine_OneEventPerEntry()
    {
        var assembler = New(TimestampLed);
        var error = "2026-11-28 07:00:00,002 ERROR request failed\n"
            + "Traceback (most recent call last):\n"
            + "  File \"app.py\", line 3, in <module>\n"
            + "    main()\n"
            + "  File \"app.py\", line 2, in main\n"
            + "    raise ValueError(\"bad\")\n"
            + "ValueError: bad";
        var content = "2026-11-28 07:00:00,001 INFO request ok\n" + error + "\n2026-11-28 07:00:00,003 INFO next\n";

        RawLineFeeder.Feed(assembler, content, _sink);
        assembler.Flush(_sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "2026-11-28 07:00:00,001 INFO request ok", error, "2026-11-28 07:00:00,003 INFO next" }));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.All.False);
    }

    [Test]
    public void Add_BarePythonTraceback_OneEvent()
    {
        var assembler = New(Python);
        var traceback = "Traceback (most recent call last):\n"
            + "  File \"x.py\", line 3, in <module>\n"
            + "    f()\n"
            + "\n"
            + "ValueError: bad";
        var content = "INFO:     Started server process [1]\n" + traceback + "\nINFO:     Shutting down\n";

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "INFO:     Started server process [1]", traceback }));
    }

    [Test]
    public void Add_GoPanic_OneEventWithTheGoroutineDump()
    {
        var assembler = New(Go);
        var panic = "panic: runtime error: invalid memory address or nil pointer dereference\n"
            + "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5b6c]\n"
            + "\n"
            + "goroutine 1 [running]:\n"
            + "main.handler(...)\n"
            + "\t/app/main.go:12 +0x1d\n"
            + "main.main()\n"
            + "\t/app/main.go:20 +0x45\n"
            + "exit status 2";
        var content = "2026/11/28 07:00:00 serving on :8080\n" + panic + "\n";

        RawLineFeeder.Feed(assembler, content, _sink);
        _clock.Advance(MultilineOptions.DefaultTimeout);
        assembler.EmitExpired(_sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "2026/11/28 07:00:00 serving on :8080", panic }));
    }

    [Test]
    public void Add_DotNetExceptionWithInnerException_OneEventAndConsoleLoggerEntriesJoined()
    {
        var assembler = New(DotNet);
        var info = "info: Microsoft.Hosting.Lifetime[0]\n      Application started.";
        var exception = "Unhandled exception. System.InvalidOperationException: boom\n"
            + " ---> System.IO.IOException: disk full\n"
            + "   at Store.Write() in /src/Store.cs:line 12\n"
            + "   --- End of inner exception stack trace ---\n"
            + "   at Namespace.Type.Method() in /src/x.cs:line 12\n"
            + "   at Program.<Main>$(String[] args) in /src/Program.cs:line 5";

        RawLineFeeder.Feed(assembler, info + "\n" + exception + "\n", _sink);
        assembler.Flush(_sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { info, exception }));
    }

    [Test]
    public void Add_ContinuationWithNoEventOpen_StartsAnEventOfItsOwn()
    {
        var assembler = New(Java);

        RawLineFeeder.Feed(assembler, "\tat orphan.Frame(A.java:1)\n\tat orphan.Caller(B.java:2)\nnext\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "\tat orphan.Frame(A.java:1)\n\tat orphan.Caller(B.java:2)" }));
        Assert.That(_sink.Events[0].Offset, Is.EqualTo(0));
    }

    [Test]
    public void Add_MoreLinesThanMaxLines_CutIntoEventsOfMaxLines()
    {
        var assembler = New(Java, maxLines: 3);
        var content = "start\n" + string.Concat(Enumerable.Range(1, 6).Select(i => $"\tframe {i}\n")) + "next\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "start\n\tframe 1\n\tframe 2", "\tframe 3\n\tframe 4\n\tframe 5", "\tframe 6" }));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.All.True);
        Assert.That(_sink.Events.Select(e => e.Offset), Is.EqualTo(new[] { starts[0], starts[3], starts[6] }));
        Assert.That(assembler.Counters.CutEvents, Is.EqualTo(3));
    }

    [Test]
    public void Add_ExactlyMaxLinesThenAStart_NotCut()
    {
        var assembler = New(Java, maxLines: 3);

        RawLineFeeder.Feed(assembler, "start\n\tone\n\ttwo\nnext\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "start\n\tone\n\ttwo" }));
        Assert.That(_sink.Events[0].Cut, Is.False);
        Assert.That(assembler.Counters.CutEvents, Is.Zero);
    }

    [Test]
    public void Add_JoinPastMaxLineBytes_EventCutAndTheLineStartsItsRest()
    {
        var assembler = New(Java, maxLineBytes: 64);
        var first = "Exception: " + new string('x', 19);
        var frame = "\tat " + new string('y', 26);
        var content = $"{first}\n{frame}\n{frame}\nnext\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { first + "\n" + frame, frame }));
        Assert.That(_sink.Events[0].Text.Length, Is.EqualTo(61));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.All.True);
        Assert.That(_sink.Events.Select(e => e.Offset), Is.EqualTo(new[] { starts[0], starts[2] }));
    }

    [Test]
    public void Add_LineLongerThanMaxLineBytesInAnEvent_EventCutAndPiecesGoAlone()
    {
        var assembler = New(Java, maxLineBytes: 64);
        var longFrame = "\tat " + new string('z', 100);
        var content = $"Exception: boom\n{longFrame}\n\tat short\nnext\n";

        RawLineFeeder.Feed(assembler, content, _sink);

        // The frame's first piece fills max_line_bytes, so it cannot join the event: the event goes out cut,
        // the piece alone, and the frame's rest takes the lines that follow.
        Assert.That(_sink.Texts, Is.EqualTo(new[] { "Exception: boom", longFrame[..64], longFrame[64..] + "\n\tat short" }));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.All.True);
        Assert.That(_sink.Events.Select(e => e.Text.Length), Is.All.LessThanOrEqualTo(64));
    }

    [Test]
    public void EmitExpired_NoLineForTheTimeout_EventGoesOut()
    {
        var assembler = New(Java);
        RawLineFeeder.Feed(assembler, "Exception: boom\n\tat a.B(C.java:1)\n", _sink);
        Assert.That(assembler.DueIn, Is.EqualTo(TimeSpan.FromSeconds(1)));

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        assembler.EmitExpired(_sink);
        Assert.That(_sink.Events, Is.Empty);
        Assert.That(assembler.DueIn, Is.EqualTo(TimeSpan.FromMilliseconds(1)));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(assembler.DueIn, Is.EqualTo(TimeSpan.Zero));
        assembler.EmitExpired(_sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "Exception: boom\n\tat a.B(C.java:1)" }));
        Assert.That(_sink.Events[0].Cut, Is.False);
        Assert.That(assembler.PendingFrom, Is.Null);
        Assert.That(assembler.DueIn, Is.Null);
    }

    [Test]
    public void EmitExpired_LineArrivedMeanwhile_TimeoutCountsFromTheLastLine()
    {
        var assembler = New(Java);
        RawLineFeeder.Feed(assembler, "Exception: boom\n", _sink);
        _clock.Advance(TimeSpan.FromMilliseconds(800));
        RawLineFeeder.Feed(assembler, "\tat a.B(C.java:1)\n", _sink, startOffset: 16);
        _clock.Advance(TimeSpan.FromMilliseconds(800));

        assembler.EmitExpired(_sink);

        Assert.That(_sink.Events, Is.Empty);
        Assert.That(assembler.DueIn, Is.EqualTo(TimeSpan.FromMilliseconds(200)));
    }

    [Test]
    public void PendingFrom_EventsOpenAndClose_FirstOffsetOfTheOpenEvent()
    {
        var assembler = New(Java);
        var content = "first\n\tcontinued\nsecond\n";
        var starts = RawLineFeeder.LineOffsets(content);

        Assert.That(assembler.PendingFrom, Is.Null);
        RawLineFeeder.Feed(assembler, "first\n", _sink);
        Assert.That(assembler.PendingFrom, Is.EqualTo(0));
        RawLineFeeder.Feed(assembler, "\tcontinued\n", _sink, starts[1]);
        Assert.That(assembler.PendingFrom, Is.EqualTo(0));
        RawLineFeeder.Feed(assembler, "second\n", _sink, starts[2]);
        Assert.That(assembler.PendingFrom, Is.EqualTo(starts[2]));
        Assert.That(_sink.Events.Single().ResumeOffset, Is.EqualTo(starts[2]));
    }

    [Test]
    public void Add_CriStderrTraceInterleavedWithStdoutLines_JoinedPerStream()
    {
        var assembler = New(Java, format: SourceFormat.Cri);
        const string T = "2026-11-28T07:00:00.000000001Z";
        var content = $"{T} stderr F Exception in thread \"main\" java.lang.IllegalStateException: boom\n"
            + $"{T} stdout F GET /health 200\n"
            + $"{T} stderr F \tat com.example.Main.main(Main.java:7)\n"
            + $"{T} stdout F GET /ready 200\n"
            + $"{T} stderr F Recovered\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "GET /health 200", "Exception in thread \"main\" java.lang.IllegalStateException: boom\n\tat com.example.Main.main(Main.java:7)" }));
        Assert.That(_sink.Events[0].Stream, Is.EqualTo(LogIoStream.Stdout));
        Assert.That(_sink.Events[0].ResumeOffset, Is.EqualTo(0), "stderr's event from 0 is still open");
        Assert.That(_sink.Events[1].Stream, Is.EqualTo(LogIoStream.Stderr));
        Assert.That(_sink.Events[1].Offset, Is.EqualTo(0));
        Assert.That(_sink.Events[1].NextOffset, Is.EqualTo(starts[3]));
        Assert.That(_sink.Events[1].ResumeOffset, Is.EqualTo(starts[3]), "stdout's open event starts at line 3");
        Assert.That(_sink.Events[1].Time!.Value.Nanoseconds, Is.EqualTo(1));
        Assert.That(assembler.PendingFrom, Is.EqualTo(starts[3]));
    }

    [Test]
    public void Add_DockerFrameSplitAt16KiBInsideATrace_JoinedBeforeTheLinesAre()
    {
        var assembler = New(Java, format: SourceFormat.Docker, maxLineBytes: 1024 * 1024);
        var longMessage = new string('m', 16 * 1024);
        var content = Docker("Exception: " + longMessage) + Docker("!\\n") + Docker("\\tat a.B(C.java:1)\\n") + Docker("next\\n");

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "Exception: " + longMessage + "!\n\tat a.B(C.java:1)" }));
    }

    [Test]
    public void Add_StartPatternRunsOutOfTime_LineTakenAsAStartAndCounted()
    {
        var slow = new Regex("^(a|aa)+$", RegexOptions.None, TimeSpan.FromMilliseconds(1));
        var assembler = new EventAssembler(SourceFormat.Plain, 4096, new MultilineOptions(slow, 500, TimeSpan.FromSeconds(1)), _clock);

        RawLineFeeder.Feed(assembler, "first\n" + new string('a', 60) + "b\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "first" }));
        Assert.That(assembler.Counters.PatternTimeouts, Is.EqualTo(1));
    }

    [Test]
    public void MultilineOptions_InvalidValues_Rejected()
    {
        var pattern = MultilineOptions.CompileStartPattern("^x");

        Assert.That(() => new MultilineOptions(pattern, 0, TimeSpan.FromSeconds(1)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new MultilineOptions(pattern, 1, TimeSpan.Zero), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => MultilineOptions.CompileStartPattern("(unclosed"), Throws.InstanceOf<ArgumentException>());
        Assert.That(pattern.MatchTimeout, Is.EqualTo(MultilineOptions.MatchTimeout));
    }

    private EventAssembler New(string startPattern, int maxLines = MultilineOptions.DefaultMaxLines, int maxLineBytes = 4096, SourceFormat format = SourceFormat.Plain) =>
        new(format, maxLineBytes, new MultilineOptions(MultilineOptions.CompileStartPattern(startPattern), maxLines, MultilineOptions.DefaultTimeout), _clock);

    private static string Docker(string escapedLog) =>
        $"{{\"log\":\"{escapedLog}\",\"stream\":\"stderr\",\"time\":\"2026-11-28T07:00:00.5Z\"}}\n";
}
