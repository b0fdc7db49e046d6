using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rlog.V1;
using RlogAgent.Collection;
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

        var batch = LogBatchEncoder.Encode(lines, 4 * 1024 * 1024).Single();
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

        var receipt = LogBatchEncoder.Encode(lines, 4 * 1024 * 1024).Single().Receipt;

        Assert.Multiple(() =>
        {
            Assert.That(receipt.Lines, Is.EqualTo(4));
            Assert.That(receipt.FileBytes, Is.EqualTo(12));
            Assert.That(receipt.Files, Is.EqualTo(new[] { ("f-a", 6L), ("f-b", 3L), ("f-a", 9L) }));
        });
    }

    [Test]
    public void Encode_MoreThanTheLimit_SplitsIntoBatchesUnderItThatKeepEveryLineInOrder()
    {
        var text = new string('x', 1000);
        var lines = Enumerable.Range(0, 50).Select(i => Line("app", $"{i:D3}{text}", "/a", "f-a", i * 1004L, (i + 1) * 1004L)).ToArray();

        var batches = LogBatchEncoder.Encode(lines, 10_000);

        var parsed = batches.Select(b => LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(b))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(batches, Has.Count.GreaterThan(4));
            Assert.That(batches.Select(b => b.Body.Length), Has.All.LessThanOrEqualTo(10_000 + 40));
            Assert.That(parsed.SelectMany(p => p.Logs).Select(l => l.Line), Is.EqualTo(lines.Select(l => l.Text)));
            Assert.That(parsed.Select(p => p.BatchId).Distinct().Count(), Is.EqualTo(batches.Count));
        });
    }

    private static LogLine Line(string label, string text, string source, string fileId, long offset, long next) =>
        new(label, text, ReadAt, source, fileId, offset, next);
}
