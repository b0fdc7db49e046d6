using System.Text;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class EventAssemblerTests
{
    private const string Time1 = "2026-11-28T07:00:00.123456789Z";
    private const string Time2 = "2026-11-28T07:00:01.5Z";

    private CollectingEventSink _sink = null!;

    [SetUp]
    public void SetUp() => _sink = new CollectingEventSink();

    [Test]
    public void Add_CriPartialsUpToTheFullRecord_OneEventFromFirstByteToLastTerminator()
    {
        var assembler = New(SourceFormat.Cri);
        var content = $"{Time1} stdout P hel\n{Time2} stdout P lo \n{Time2} stdout F world\n";
        var lineStarts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, $"{Time1} stdout P hel\n", _sink);
        Assert.That(assembler.PendingFrom, Is.EqualTo(0));
        var end = RawLineFeeder.Feed(assembler, content[content.IndexOf(Time2, StringComparison.Ordinal)..], _sink, lineStarts[1]);

        Assert.That(_sink.Events, Has.Count.EqualTo(1));
        var e = _sink.Events[0];
        Assert.That(e.Text, Is.EqualTo("hello world"));
        Assert.That(e.Offset, Is.EqualTo(0));
        Assert.That(e.NextOffset, Is.EqualTo(end));
        Assert.That(e.ResumeOffset, Is.EqualTo(end));
        Assert.That(e.Time, Is.EqualTo(Timestamp(Time1)), "the first record's time");
        Assert.That(e.Stream, Is.EqualTo(LogIoStream.Stdout));
        Assert.That(e.Cut, Is.False);
        Assert.That(assembler.PendingFrom, Is.Null);
    }

    [Test]
    public void Add_CriFullRecords_OneEventEachWithItsOwnOffsetsAndStream()
    {
        var assembler = New(SourceFormat.Cri);
        var content = $"{Time1} stdout F one\n{Time2} stderr F two\r\n";

        var end = RawLineFeeder.Feed(assembler, content, _sink);

        var starts = RawLineFeeder.LineOffsets(content);
        Assert.That(_sink.Texts, Is.EqualTo(new[] { "one", "two" }));
        Assert.That(_sink.Events.Select(e => e.Offset), Is.EqualTo(new[] { starts[0], starts[1] }));
        Assert.That(_sink.Events.Select(e => e.NextOffset), Is.EqualTo(new[] { starts[1], end }));
        Assert.That(_sink.Events.Select(e => e.ResumeOffset), Is.EqualTo(new[] { starts[1], end }));
        Assert.That(_sink.Events.Select(e => e.Stream), Is.EqualTo(new[] { LogIoStream.Stdout, LogIoStream.Stderr }));
        Assert.That(_sink.Events.Select(e => new AssembledStreamName(e.Stream).Name), Is.EqualTo(new[] { "stdout", "stderr" }));
    }

    [Test]
    public void Add_CriCarriageReturnBeforeLineEnd_Removed()
    {
        var assembler = New(SourceFormat.Cri);

        RawLineFeeder.Feed(assembler, $"{Time1} stdout P windows\r\n{Time1} stdout F \r\n{Time1} stdout F keep\rinner\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "windows", "keep\rinner" }));
    }

    [Test]
    public void Add_InterleavedStdoutAndStderrPartials_JoinedPerStreamAndResumeWaitsForTheOpenOne()
    {
        var assembler = New(SourceFormat.Cri);
        var content = $"{Time1} stdout P out-a \n{Time1} stderr F err-1\n{Time2} stdout F out-b\n";
        var starts = RawLineFeeder.LineOffsets(content);

        var end = RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "err-1", "out-a out-b" }));
        Assert.That(_sink.Events[0].Offset, Is.EqualTo(starts[1]));
        Assert.That(_sink.Events[0].ResumeOffset, Is.EqualTo(0), "stdout's partial record at 0 is not handed out yet");
        Assert.That(_sink.Events[1].Offset, Is.EqualTo(0));
        Assert.That(_sink.Events[1].NextOffset, Is.EqualTo(end));
        Assert.That(_sink.Events[1].ResumeOffset, Is.EqualTo(end));
    }

    [Test]
    public void Add_LineThatIsNoRecord_ShippedWholeWithoutStreamOrTimeAndCounted()
    {
        var assembler = New(SourceFormat.Cri);
        var content = $"{Time1} stdout F fine\nnot a cri line\n{Time1} bogus F nope\n{Time1} stdout F fine again\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "fine", "not a cri line", $"{Time1} bogus F nope", "fine again" }));
        Assert.That(_sink.Events[1].Stream, Is.EqualTo(LogIoStream.None));
        Assert.That(_sink.Events[1].Time, Is.Null);
        Assert.That(_sink.Events[1].Offset, Is.EqualTo(starts[1]));
        Assert.That(assembler.Counters.UnparsedRecords, Is.EqualTo(2));
        Assert.That(assembler.Counters.FirstUnparsedOffset, Is.EqualTo(starts[1]));
    }

    [Test]
    public void Add_UnparsedLineBetweenPartials_DoesNotBreakTheJoin()
    {
        var assembler = New(SourceFormat.Cri);

        RawLineFeeder.Feed(assembler, $"{Time1} stdout P abc\ngarbage\n{Time1} stdout F def\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "garbage", "abcdef" }));
        Assert.That(_sink.Events[0].ResumeOffset, Is.EqualTo(0));
    }

    [Test]
    public void Add_DockerLineSplitAt16KiB_JoinedWithoutTheFinalNewline()
    {
        var assembler = New(SourceFormat.Docker, maxLineBytes: 1024 * 1024);
        var part1 = new string('a', 16 * 1024);
        var part2 = new string('b', 16 * 1024);
        var content = Docker(part1, "stdout", Time1) + Docker(part2, "stdout", Time2) + Docker("tail\\n", "stdout", Time2) + Docker("next\\r\\n", "stdout", Time2);
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { part1 + part2 + "tail", "next" }));
        Assert.That(_sink.Events[0].Offset, Is.EqualTo(0));
        Assert.That(_sink.Events[0].NextOffset, Is.EqualTo(starts[3]));
        Assert.That(_sink.Events[0].Time, Is.EqualTo(Timestamp(Time1)));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.All.False);
    }

    [Test]
    public void Add_DockerCarriageReturnInTheRecordBeforeTheNewline_Removed()
    {
        var assembler = New(SourceFormat.Docker);

        RawLineFeeder.Feed(assembler, Docker("crlf split\\r", "stdout", Time1) + Docker("\\n", "stdout", Time1), _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "crlf split" }));
    }

    [Test]
    public void Add_DockerNonAsciiEscapesAndRawText_Decoded()
    {
        var assembler = New(SourceFormat.Docker);

        RawLineFeeder.Feed(assembler, Docker("caf\\u00e9 na\u00efve \\ud83d\\ude80 \\\"q\\\"\\n", "stderr", Time1), _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "café naïve \U0001F680 \"q\"" }));
        Assert.That(_sink.Events[0].Stream, Is.EqualTo(LogIoStream.Stderr));
    }

    [Test]
    public void Add_CharacterSplitBetweenTwoDockerRecords_JoinedIntoTheCharacter()
    {
        var assembler = New(SourceFormat.Docker);
        var euro = Encoding.UTF8.GetBytes("€");
        var first = Encoding.UTF8.GetBytes("{\"log\":\"price 5#\",\"stream\":\"stdout\"}\n");
        var second = Encoding.UTF8.GetBytes("{\"log\":\"##!\\n\",\"stream\":\"stdout\"}\n");
        first[Array.IndexOf(first, (byte)'#')] = euro[0];
        second[Array.IndexOf(second, (byte)'#')] = euro[1];
        second[Array.IndexOf(second, (byte)'#')] = euro[2];

        RawLineFeeder.Feed(assembler, [.. first, .. second], _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "price 5€!" }));
    }

    [Test]
    public void Add_JoinWouldPassMaxLineBytes_CutAndTheRestStartsAtTheNextRecord()
    {
        var assembler = New(SourceFormat.Cri, maxLineBytes: 64);
        var a = new string('a', 40);
        var b = new string('b', 40);
        var content = $"{Time1} stdout P {a}\n{Time2} stdout P {b}\n{Time2} stdout F end\n{Time2} stdout F after\n";
        var starts = RawLineFeeder.LineOffsets(content);

        var end = RawLineFeeder.Feed(assembler, content, _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { a, b + "end", "after" }));
        Assert.That(_sink.Events.Select(e => e.Cut), Is.EqualTo(new[] { true, true, false }));
        Assert.That(_sink.Events.Select(e => e.Offset), Is.EqualTo(new[] { starts[0], starts[1], starts[3] }));
        Assert.That(_sink.Events.Select(e => e.ResumeOffset), Is.EqualTo(new[] { starts[1], starts[3], end }));
        Assert.That(_sink.Events[1].Time, Is.EqualTo(Timestamp(Time2)), "the rest's first record's time");
        Assert.That(assembler.Counters.CutEvents, Is.EqualTo(2));
    }

    [Test]
    public void Add_OneRecordLongerThanMaxLineBytes_PiecesAtCharacterBoundariesNamedInsideTheRecord()
    {
        var assembler = New(SourceFormat.Cri, maxLineBytes: 64);
        var message = string.Concat(Enumerable.Repeat("é", 100));
        var content = $"{Time1} stdout F {message}\n{Time1} stdout F next\n";
        var starts = RawLineFeeder.LineOffsets(content);

        RawLineFeeder.Feed(assembler, content, _sink);

        var pieces = _sink.Events.Take(_sink.Events.Count - 1).ToList();
        Assert.That(string.Concat(pieces.Select(e => e.Text)), Is.EqualTo(message));
        Assert.That(pieces.Select(e => e.Bytes.Length), Is.EqualTo(new[] { 64, 64, 64, 8 }));
        Assert.That(pieces.Select(e => e.Offset), Is.EqualTo(new[] { 0L, 64, 128, 192 }), "record offset + position in the message");
        Assert.That(pieces.Select(e => e.Offset), Is.All.LessThan(starts[1]));
        Assert.That(pieces.Select(e => e.Cut), Is.All.True);
        Assert.That(pieces.Select(e => e.ResumeOffset), Is.EqualTo(new[] { 0L, 0, 0, starts[1] }), "a half-shipped record is read again whole");
        Assert.That(_sink.Events[^1].Text, Is.EqualTo("next"));
        Assert.That(_sink.Events[^1].Cut, Is.False);
    }

    [Test]
    public void Add_InvalidUtf8LongerOnceReplaced_PiecesWithinMaxLineBytesAfterReplacement()
    {
        var assembler = New(SourceFormat.Plain, maxLineBytes: 64, multiline: Multiline("^x"));
        var line = Enumerable.Repeat((byte)0xFF, 40).Concat("\n"u8.ToArray()).ToArray();

        RawLineFeeder.Feed(assembler, line, _sink);
        assembler.Flush(_sink);

        Assert.That(_sink.Events.Sum(e => e.Bytes.Length), Is.EqualTo(40));
        Assert.That(_sink.Events.Select(e => Encoding.UTF8.GetByteCount(e.Text)), Is.All.LessThanOrEqualTo(64));
        Assert.That(_sink.Events, Has.Count.EqualTo(2));
    }

    [Test]
    public void Flush_PartialRecordWithoutItsFinalRecord_HandedOutAsItIs()
    {
        var assembler = New(SourceFormat.Docker);
        var end = RawLineFeeder.Feed(assembler, Docker("no newline ever", "stdout", Time1), _sink);
        Assert.That(_sink.Events, Is.Empty);
        Assert.That(assembler.PendingFrom, Is.EqualTo(0));

        assembler.Flush(_sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "no newline ever" }));
        Assert.That(_sink.Events[0].ResumeOffset, Is.EqualTo(end));
        Assert.That(assembler.PendingFrom, Is.Null);
    }

    [Test]
    public void Reset_AfterTruncation_WhatWasHeldIsForgotten()
    {
        var assembler = New(SourceFormat.Cri);
        RawLineFeeder.Feed(assembler, $"{Time1} stdout P old content \n", _sink);

        assembler.Reset();
        RawLineFeeder.Feed(assembler, $"{Time2} stdout F new\n", _sink);

        Assert.That(_sink.Texts, Is.EqualTo(new[] { "new" }));
        Assert.That(_sink.Events[0].Offset, Is.EqualTo(0));
        Assert.That(assembler.PendingFrom, Is.Null);
    }

    [Test]
    public void Add_ResumingAtAnOffset_OffsetsAreFileOffsets()
    {
        var assembler = New(SourceFormat.Cri);

        RawLineFeeder.Feed(assembler, $"{Time1} stdout F resumed\n", _sink, startOffset: 4096);

        Assert.That(_sink.Events[0].Offset, Is.EqualTo(4096));
        Assert.That(_sink.Events[0].ResumeOffset, Is.EqualTo(4096 + Time1.Length + 18));
    }

    [Test]
    public void IsNeeded_PlainWithoutMultiline_False()
    {
        Assert.That(EventAssembler.IsNeeded(SourceFormat.Plain, null), Is.False);
        Assert.That(EventAssembler.IsNeeded(SourceFormat.Plain, Multiline("^x")), Is.True);
        Assert.That(EventAssembler.IsNeeded(SourceFormat.Cri, null), Is.True);
        Assert.That(EventAssembler.IsNeeded(SourceFormat.Docker, null), Is.True);
    }

    [Test]
    public void Constructor_MaxLineBytesAboveTheMessageLimit_Capped()
    {
        var assembler = new EventAssembler(SourceFormat.Cri, 64 * 1024 * 1024, null, TimeProvider.System);

        Assert.That(assembler.MaxLineBytes, Is.EqualTo(RlogAgent.Pipeline.LineText.MaxBytes));
    }

    private static EventAssembler New(SourceFormat format, int maxLineBytes = 4096, MultilineOptions? multiline = null) =>
        new(format, maxLineBytes, multiline, new FakeTimeProvider());

    private static MultilineOptions Multiline(string pattern) =>
        new(MultilineOptions.CompileStartPattern(pattern), MultilineOptions.DefaultMaxLines, MultilineOptions.DefaultTimeout);

    private static string Docker(string escapedLog, string stream, string time) =>
        $"{{\"log\":\"{escapedLog}\",\"stream\":\"{stream}\",\"time\":\"{time}\"}}\n";

    private static RecordTimestamp Timestamp(string text)
    {
        Assert.That(RecordTimestamp.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out var parsed), Is.True);
        return parsed;
    }

    /// <summary>The attribute value as the integrator reads it off an event.</summary>
    private readonly record struct AssembledStreamName(LogIoStream Stream)
    {
        public string? Name => EventAttributeNames.IoStreamValue(Stream);
    }
}
