using Rlog.V1;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class BatchSplitterTests
{
    [Test]
    public void Halve_EncodedBatch_HalvesHoldEveryLineInOrderUnderIdsNamedAfterTheParent()
    {
        var lines = Enumerable.Range(0, 5).Select(i => new LogLine("app", $"line {i}", DateTime.UtcNow, "/a.log", "f-a", i * 7L, (i + 1) * 7L)).ToArray();
        var batch = LogBatchEncoder.Encode(TestLines.Chunks(lines), int.MaxValue, 4 * 1024 * 1024).Single();

        var (first, second) = BatchSplitter.Halve(BatchSplitter.Parse(batch));
        var sent = LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(BatchSplitter.Encode(second)));

        Assert.Multiple(() =>
        {
            Assert.That(first.BatchId, Is.EqualTo(batch.BatchId + ".1"));
            Assert.That(second.BatchId, Is.EqualTo(batch.BatchId + ".2"));
            Assert.That(first.Logs.Concat(second.Logs).Select(l => l.Line), Is.EqualTo(lines.Select(l => l.Text)));
            Assert.That(first.Logs, Has.Count.EqualTo(3));
            Assert.That(sent.BatchId, Is.EqualTo(second.BatchId));
            Assert.That(sent.Logs, Is.EqualTo(second.Logs));
            Assert.That(sent.Logs.Select(l => l.Offset), Is.EqualTo(new ulong[] { 21, 28 }));
        });
    }
}
