using Microsoft.Extensions.Logging.Abstractions;
using Rlog.V1;
using RlogAgent.Collection.Parsing;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Collection.Parsing;

/// <summary>drop, redact and parse on a chunk as a source reads it, checked on the wire the encoder writes.</summary>
[TestFixture]
public sealed class EventProcessorTests
{
    private static readonly DateTime ReadAt = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Test]
    public void Process_DropRedactAndJsonParse_OnlyKeptEventsShippedRedactedWithTimeLevelAndFields()
    {
        var source = new SourceOptions
        {
            Label = "api",
            Parse = new ParseOptions { Format = ParseFormat.Json, Fields = ["user"] },
            Drop = [UserPattern.Compile("GET /healthz")],
            Redact = [new RedactRule(UserPattern.Compile("(?i)(password|token)=[^\" ]+"), "$1=***")],
        };
        var counters = new AgentCounters();
        var chunk = Chunk(
            """{"time":"2026-11-28T07:00:00Z","level":"info","msg":"GET /healthz 200"}""",
            """{"time":"2026-11-28T07:00:01Z","level":"error","msg":"login password=hunter2 failed","user":"ann"}""",
            "not json");

        new EventProcessor(source, counters, NullLogger.Instance, TimeProvider.System).Process(chunk);
        var batch = LogBatchEncoder.Encode([chunk], 100, 1 << 20).Single();
        var logs = LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(batch)).Logs;

        Assert.Multiple(() =>
        {
            Assert.That(logs, Has.Count.EqualTo(2), "the health check dropped");
            Assert.That(logs[0].Line, Is.EqualTo("""{"time":"2026-11-28T07:00:01Z","level":"error","msg":"login password=*** failed","user":"ann"}"""));
            Assert.That(logs[0].Timestamp.ToDateTime(), Is.EqualTo(new DateTime(2026, 11, 28, 7, 0, 1, DateTimeKind.Utc)));
            Assert.That(logs[0].SeverityNumber, Is.EqualTo(17));
            Assert.That(logs[0].SeverityText, Is.EqualTo("error"));
            Assert.That(logs[0].Attributes["user"], Is.EqualTo("ann"));
            Assert.That(logs[1].Line, Is.EqualTo("not json"));
            Assert.That(logs[1].Timestamp.ToDateTime(), Is.EqualTo(ReadAt), "a line that does not parse keeps its read time");
            Assert.That(logs[1].SeverityNumber, Is.Zero);
            Assert.That(batch.Receipt.Dropped, Is.EqualTo(1));
            Assert.That(batch.Receipt.Files.Single().NextOffset, Is.EqualTo(300), "the dropped event is confirmed with its neighbours");
            Assert.That(counters.EventsDropped, Is.EqualTo(1));
            Assert.That(counters.ParseFailures, Is.EqualTo(1));
            Assert.That(counters.ParseFailuresByLabel["api"], Is.EqualTo(1));
        });
        batch.Release();
        chunk.Release();
    }

    [Test]
    public void Process_FieldsCopiedOut_TheChunkCostsTheirBytesToo()
    {
        // The pipeline charges max_buffer_bytes with a chunk's cost: fields a parse copies out of
        // the lines are held as long as the lines, so they are charged with them.
        var source = new SourceOptions { Label = "api", Parse = new ParseOptions { Format = ParseFormat.Json, Fields = ["*"] } };
        var chunk = Chunk(
            """{"level":"info","msg":"a message long enough to weigh something in the budget","user":"ann"}""",
            "not json");
        var before = chunk.Cost;

        new EventProcessor(source, new AgentCounters(), NullLogger.Instance, TimeProvider.System).Process(chunk);

        var fields = chunk[0].Attributes!.Length;
        Assert.Multiple(() =>
        {
            Assert.That(chunk[1].Attributes, Is.Null);
            Assert.That(chunk.Cost - before, Is.InRange(fields, fields + 64), "the fields' bytes and their array's header");
        });
        chunk.Release();
    }

    [Test]
    public void Process_EveryEventDropped_ABatchWithNoLogsStillMovesTheCheckpoint()
    {
        var source = new SourceOptions { Label = "api", Drop = [UserPattern.Compile("^noise")] };
        var chunk = Chunk("noise 1", "noise 2");

        new EventProcessor(source, new AgentCounters(), NullLogger.Instance, TimeProvider.System).Process(chunk);
        var batch = LogBatchEncoder.Encode([chunk], 100, 1 << 20).Single();

        Assert.That(LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(batch)).Logs, Is.Empty);
        Assert.That(batch.Receipt.Files.Single().NextOffset, Is.EqualTo(200));
        Assert.That(batch.Receipt.Lines, Is.Zero);
        batch.Release();
        chunk.Release();
    }

    [Test]
    public void Process_DetectLevelWithoutParse_LevelShippedLineAsWritten()
    {
        var source = new SourceOptions { Label = "app", DetectLevel = true };
        var chunk = Chunk("2026-11-28 07:00:00 WARN disk at 91%", "plain line");

        new EventProcessor(source, new AgentCounters(), NullLogger.Instance, TimeProvider.System).Process(chunk);
        var logs = LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(LogBatchEncoder.Encode([chunk], 100, 1 << 20).Single())).Logs;

        Assert.That(logs.Select(l => (l.Line, l.SeverityNumber, l.SeverityText)), Is.EqualTo(new[]
        {
            ("2026-11-28 07:00:00 WARN disk at 91%", 13, "WARN"),
            ("plain line", 0, ""),
        }));
        chunk.Release();
    }

    [Test]
    public void Process_SeveralRedactionsInOneChunk_EachEventKeepsItsOwnRedactedText()
    {
        var source = new SourceOptions { Label = "api", Redact = [new RedactRule(UserPattern.Compile("token=\\w+"), "token=***")] };
        var chunk = Chunk("a token=1 b", "untouched", "token=22 c token=333", "d");

        new EventProcessor(source, new AgentCounters(), NullLogger.Instance, TimeProvider.System).Process(chunk);

        Assert.That(TestLines.Of(chunk).Select(l => l.Text), Is.EqualTo(new[] { "a token=*** b", "untouched", "token=*** c token=***", "d" }));
        chunk.Release();
    }

    /// <summary>One chunk of lines 100 bytes apart in one file.</summary>
    private static LineChunk Chunk(params string[] texts) =>
        TestLines.Chunks(texts.Select((t, i) => new LogLine("api", t, ReadAt, "/var/log/api.log", "f-1", i * 100L, (i + 1) * 100L))).Single();
}
