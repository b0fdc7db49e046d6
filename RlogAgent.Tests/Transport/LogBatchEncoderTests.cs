using Google.Protobuf.WellKnownTypes;
using Rlog.V1;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class LogBatchEncoderTests
{
    private static readonly DateTime ReadAt = new(2026, 11, 26, 5, 30, 1, 123, DateTimeKind.Utc);

    [Test]
    public void Encode_Lines_BytesAreWhatTheGeneratedSerializerWrites()
    {
        var lines = new[]
        {
            Line("app", "first line", "/var/log/a.log", "f-a", 0, 11),
            Line("app", "sécond — ünïcode \uFFFD", "/var/log/a.log", "f-a", 11, 40),
            Line("app", "", "/var/log/a.log", "f-a", 40, 41),
            Line("web", "other file", "/var/log/b.log", "f-b", 1234567890123, 1234567890134),
        };
        var sendAt = new DateTimeOffset(2026, 11, 26, 5, 30, 2, TimeSpan.Zero).AddTicks(4567);

        var batch = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, 4 * 1024 * 1024).Single();
        batch.SendAt = sendAt;
        var bytes = LogBatchEncoder.ToMessageBytes(batch);

        var expected = new LogBatch { BatchId = batch.BatchId, SendAt = Timestamp.FromDateTimeOffset(sendAt) };
        expected.Logs.AddRange(lines.Select(l => new Log
        {
            Label = l.Label,
            Line = l.Text,
            Timestamp = Timestamp.FromDateTime(l.ReadAtUtc),
            Source = l.Source,
            FileId = l.FileId,
            Offset = (ulong)l.Offset,
        }));
        Assert.That(LogBatch.Parser.ParseFrom(bytes), Is.EqualTo(expected));
        Assert.That(bytes.Length, Is.EqualTo(expected.CalculateSize()));
    }

    [Test]
    public void Encode_Lines_ReceiptNamesTheLastOffsetOfEachFileAndTheTotals()
    {
        var lines = new[]
        {
            Line("app", "a1", "/a", "f-a", 0, 3),
            Line("app", "a2", "/a", "f-a", 3, 6),
            Line("app", "b1", "/b", "f-b", 0, 3),
            Line("app", "a3", "/a", "f-a", 6, 9),
        };

        var receipt = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, 4 * 1024 * 1024).Single().Receipt;

        Assert.Multiple(() =>
        {
            Assert.That(receipt.Lines, Is.EqualTo(4));
            Assert.That(receipt.FileBytes, Is.EqualTo(12));
            Assert.That(receipt.Files, Is.EqualTo(new[] { ("f-a", 6L), ("f-b", 3L), ("f-a", 9L) }));
        });
    }

    [Test]
    public void Encode_EventResumingBehindItsOwnOffset_FileBytesNeverNegative()
    {
        // A multi-line event on one stream held behind an older one still open on the other: its
        // next offset (where a restart resumes) is behind its own offset.
        var lines = new[]
        {
            Line("app", "stdout event", "/a", "f-a", 100, 40),
            Line("app", "stderr event", "/a", "f-a", 40, 160),
        };

        var receipt = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, 4 * 1024 * 1024).Single().Receipt;

        // -60 + 120 was 60; alone in a batch the first made bytes_confirmed go down.
        Assert.That(receipt.FileBytes, Is.EqualTo(120));
        var alone = LogBatchEncoder.Encode(TestLines.Chunks(lines[..1]), int.MaxValue, 4 * 1024 * 1024).Single().Receipt;
        Assert.That(alone.FileBytes, Is.Zero);
    }

    [Test]
    public void Encode_MoreThanTheLimit_SplitsIntoBatchesUnderItThatKeepEveryLineInOrder()
    {
        var text = new string('x', 1000);
        var lines = Enumerable.Range(0, 50).Select(i => Line("app", $"{i:D3}{text}", "/a", "f-a", i * 1004L, (i + 1) * 1004L)).ToArray();

        var batches = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, 10_000);

        var parsed = batches.Select(b => LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(b))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(batches, Has.Count.GreaterThan(4));
            Assert.That(batches.Select(b => b.BodyLength), Has.All.LessThanOrEqualTo(10_000 + 40));
            Assert.That(parsed.SelectMany(p => p.Logs).Select(l => l.Line), Is.EqualTo(lines.Select(l => l.Text)));
            Assert.That(parsed.Select(p => p.BatchId).Distinct().Count(), Is.EqualTo(batches.Count));
        });
    }

    [Test]
    public void Encode_LineEncodingPastTheMessageLimit_LeftOutOfTheBodyKeptInTheReceipt()
    {
        // 1.5 million U+FFFD (invalid bytes as read) encode to 4.5 MB: no message may carry it.
        var huge = new string('\uFFFD', 1_500_000);
        var lines = new[]
        {
            Line("app", "before", "/a", "f-a", 0, 7),
            Line("app", huge, "/a", "f-a", 7, 1_500_008),
            Line("app", "after", "/a", "f-a", 1_500_008, 1_500_014),
        };

        var batches = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, LogStreamSender.MaxBatchBytes);

        var batch = batches.Single();
        var parsed = LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(batch));
        Assert.Multiple(() =>
        {
            Assert.That(parsed.Logs.Select(l => l.Line), Is.EqualTo(new[] { "before", "after" }));
            Assert.That(batch.Oversized.Select(l => l.Chunk[l.Index].Offset), Is.EqualTo(new[] { 7L }));
            Assert.That(batch.Receipt.Lines, Is.EqualTo(3));
            Assert.That(batch.Receipt.Files, Is.EqualTo(new[] { ("f-a", 1_500_014L) }), "its checkpoint moves with the batch");
            Assert.That(batch.BodyLength, Is.LessThan(1000));
        });
    }

    [Test]
    public void Encode_LineJustUnderTheMessageLimit_IsSentAloneInItsOwnBatch()
    {
        var big = new string('b', LogBatchEncoder.MaxLogBytes - 100);
        var lines = new[] { Line("app", "a", "/a", "f-a", 0, 2), Line("app", big, "/a", "f-a", 2, big.Length + 3) };

        var batches = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, LogStreamSender.MaxBatchBytes);

        Assert.Multiple(() =>
        {
            Assert.That(batches, Has.Count.EqualTo(2));
            Assert.That(batches.SelectMany(b => b.Oversized), Is.Empty);
            Assert.That(LogBatchEncoder.ToMessageBytes(batches[1]), Has.Length.LessThanOrEqualTo(RlogAgent.Transport.GrpcChannelFactory.MaxMessageBytes));
        });
    }

    private static LogLine Line(string label, string text, string source, string fileId, long offset, long next) =>
        new(label, text, ReadAt, source, fileId, offset, next);
}
