using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

/// <summary>The one place where a batch ends (LogBatchEncoder.Cutter): lines, bytes, and the end of a hand-off.</summary>
[TestFixture]
public sealed class BatchCutterTests
{
    private static readonly DateTime ReadAt = new(2026, 11, 26, 5, 30, 1, DateTimeKind.Utc);

    [Test]
    public void Cut_HandOffsOfOddSizes_FullBatchesWhileMoreWaits()
    {
        var cutter = new LogBatchEncoder.Cutter(maxLines: 10, maxBytes: 1 << 20);
        var batches = new List<EncodedBatch>();

        // Three hand-offs of 7 lines, the next one waiting each time but the last.
        batches.AddRange(cutter.Cut(Chunks(0, 7), keepLastOpen: true));
        Assert.That(cutter.OpenLines, Is.EqualTo(7), "a short batch waits for the hand-off already queued");
        batches.AddRange(cutter.Cut(Chunks(7, 7), keepLastOpen: true));
        batches.AddRange(cutter.Cut(Chunks(14, 7), keepLastOpen: false));

        Assert.Multiple(() =>
        {
            Assert.That(batches.Select(b => b.Receipt.Lines), Is.EqualTo(new[] { 10, 10, 1 }));
            Assert.That(batches[^1].Receipt.Files.Single().NextOffset, Is.EqualTo(21 * 100), "the last batch confirms up to the last line");
            Assert.That(cutter.OpenLines, Is.Zero);
        });
        batches.ForEach(b => b.Release());
    }

    [Test]
    public void Cut_SteadyTrickle_ABatchStaysOpenAcrossOneHandOffAtMost()
    {
        // A chunk always waits behind each small hand-off: the lines must still go, not wait for batch_size.
        var cutter = new LogBatchEncoder.Cutter(maxLines: 10, maxBytes: 1 << 20);

        var first = cutter.Cut(Chunks(0, 3), keepLastOpen: true);
        var second = cutter.Cut(Chunks(3, 3), keepLastOpen: true);
        var third = cutter.Cut(Chunks(6, 3), keepLastOpen: true);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Empty);
            Assert.That(second.Select(b => b.Receipt.Lines), Is.EqualTo(new[] { 6 }), "opened in the hand-off before: closed now");
            Assert.That(third, Is.Empty);
            Assert.That(cutter.OpenLines, Is.EqualTo(3));
        });
        second.ForEach(b => b.Release());
        cutter.Abandon();
    }

    [Test]
    public void Cut_NothingWaiting_ShortBatchGoesOutAtOnce()
    {
        var cutter = new LogBatchEncoder.Cutter(maxLines: 10, maxBytes: 1 << 20);

        var batches = cutter.Cut(Chunks(0, 3), keepLastOpen: false);

        Assert.That(batches.Select(b => b.Receipt.Lines), Is.EqualTo(new[] { 3 }));
        batches.ForEach(b => b.Release());
    }

    [Test]
    public void Cut_ByteLimit_EndsABatchBeforeTheLineCount()
    {
        var cutter = new LogBatchEncoder.Cutter(maxLines: 1000, maxBytes: 300);

        var batches = cutter.Cut(Chunks(0, 10), keepLastOpen: false);

        Assert.That(batches, Has.Count.GreaterThan(1));
        Assert.That(batches.Sum(b => b.Receipt.Lines), Is.EqualTo(10));
        batches.ForEach(b => b.Release());
    }

    [Test]
    public void Abandon_OpenBatch_ReleasesItsChunks()
    {
        var cutter = new LogBatchEncoder.Cutter(maxLines: 10, maxBytes: 1 << 20);
        var chunks = Chunks(0, 4);
        var released = 0;
        foreach (var chunk in chunks)
        {
            chunk.OnReleased(_ => released++);
        }

        Assert.That(cutter.Cut(chunks, keepLastOpen: true), Is.Empty);
        foreach (var chunk in chunks)
        {
            chunk.Release();
        }

        Assert.That(released, Is.Zero, "the open batch still holds its chunk");
        cutter.Abandon();
        Assert.That(released, Is.EqualTo(chunks.Length));
    }

    /// <summary>Lines first to first+count-1 of one file, 100 bytes apart, as one chunk.</summary>
    private static LineChunk[] Chunks(int first, int count) =>
        TestLines.Chunks(Enumerable.Range(first, count).Select(i => new LogLine("app", $"line {i:D4} " + new string('x', 40), ReadAt, "/var/log/app.log", "f-1", i * 100L, (i + 1) * 100L)));
}
