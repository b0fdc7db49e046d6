using System.Text;
using Google.Protobuf.WellKnownTypes;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage.Postgres;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>
/// The Bloom filters of PostgreSQL's search segments: a text that is in the lines always passes,
/// whatever the filter was folded to; one that is not is ruled out nearly always; and batches are
/// cut into segments per file.
/// </summary>
public sealed class GramBloomTests
{
    [Test]
    public void MayContain_EverySubstringOfTheLinesAdded_PassesAfterFolding()
    {
        var random = new Random(7);
        for (var round = 0; round < 40; round++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 600)).Select(_ => RandomLine(random)).ToList();
            var bloom = new GramBloom();
            foreach (var line in lines)
            {
                bloom.Add(line);
            }

            var bits = bloom.ToBytes();
            for (var check = 0; check < 200; check++)
            {
                var line = lines[random.Next(lines.Count)];
                var start = random.Next(line.Length - GramBloom.GramBytes + 1);
                var needle = line.AsSpan(start, random.Next(GramBloom.GramBytes, line.Length - start + 1));
                Assert.That(GramBloom.MayContain(bits, GramBloom.ProbesOf(needle)), Is.True, $"round {round}: {Encoding.UTF8.GetString(needle)} in {bits.Length} bytes");
            }
        }
    }

    [Test]
    public void MayContain_TextsNotAdded_RuledOutNearlyAlways()
    {
        var random = new Random(11);
        var bloom = new GramBloom();
        for (var i = 0; i < GrowLines; i++)
        {
            bloom.Add(RandomLine(random));
        }

        var bits = bloom.ToBytes();
        // Needles of one gram, from an alphabet the lines never use: each passes only by chance.
        var passed = Enumerable.Range(0, 10_000)
            .Count(_ => GramBloom.MayContain(bits, GramBloom.ProbesOf(Encoding.ASCII.GetBytes(new string([.. Enumerable.Range(0, 4).Select(_ => (char)random.Next('{', '~'))]) + (char)random.Next('A', 'Z')))));

        Assert.That(passed, Is.LessThan(10_000 * 0.06), "a gram not added passes about fill^3 of the time");
    }

    [TestCase(1)]
    [TestCase(40)]
    [TestCase(GrowLines)]
    public void ToBytes_FoldedToTheSmallestSizeAtMostMaxFillFull(int lines)
    {
        var random = new Random(3);
        var bloom = new GramBloom();
        for (var i = 0; i < lines; i++)
        {
            bloom.Add(RandomLine(random));
        }

        var bits = bloom.ToBytes();
        var half = bits.Length / 2;
        var folded = Enumerable.Range(0, half).Select(i => (byte)(bits[i] | bits[i + half])).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(bits.Length * 8, Is.InRange(GramBloom.MinBits, GramBloom.MaxBits));
            Assert.That(System.Numerics.BitOperations.IsPow2(bits.Length), Is.True);
            if (bits.Length < GramBloom.MaxBits / 8)
            {
                Assert.That(Fill(bits), Is.LessThanOrEqualTo(GramBloom.MaxFill));
            }

            if (bits.Length * 8 > GramBloom.MinBits)
            {
                Assert.That(Fill(folded), Is.GreaterThan(GramBloom.MaxFill), "one more fold would have been too full");
            }
        });
        if (lines == GrowLines)
        {
            Assert.That(bits, Has.Length.EqualTo(GramBloom.MaxBits / 8));
        }
    }

    [Test]
    public void ProbesOf_TextShorterThanAGram_NoneSoNothingIsRuledOut()
    {
        Assert.Multiple(() =>
        {
            Assert.That(GramBloom.ProbesOf("abc"u8), Is.Empty);
            Assert.That(GramBloom.ProbesOf("abcd"u8), Has.Length.InRange(1, GramBloom.Probes));
        });
    }

    [Test]
    public void Segments_TwoFilesInterleavedAndALongRun_OneSegmentPerFileAndPerSegmentLines()
    {
        var batch = LogBatches.Lines("a", PostgresLineGrams.SegmentLines + 10, label: "app");
        var other = LogBatches.Lines("b", 3, firstOffset: 1000, label: "app");
        for (var i = 0; i < other.Logs.Count; i++)
        {
            batch.Logs.Insert(i * 2, other.Logs[i]);
        }

        var numbers = new LineNumbers(batch.Logs.Count);
        for (var i = 0; i < batch.Logs.Count; i++)
        {
            numbers.Files[i] = batch.Logs[i].FileId == "a" ? 1 : 2;
            batch.Logs[i].Timestamp = Timestamp.FromDateTimeOffset(Start.AddSeconds(i));
        }

        var segments = PostgresLineGrams.Segments(batch, numbers, Start);
        var fileA = batch.Logs.Where(l => l.FileId == "a").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(segments.Select(s => (s.FileNo, s.Lines)), Is.EquivalentTo(new[] { (1L, PostgresLineGrams.SegmentLines), (1L, 10), (2L, 3) }));
            var first = segments.First(s => s.FileNo == 1 && s.Lines == PostgresLineGrams.SegmentLines);
            Assert.That((first.OffsetLow, first.OffsetHigh), Is.EqualTo(((long)fileA[0].Offset, (long)fileA[PostgresLineGrams.SegmentLines - 1].Offset)));
            var b = segments.Single(s => s.FileNo == 2);
            Assert.That((b.OffsetLow, b.TimeLow, b.TimeHigh), Is.EqualTo((1000L, Start, Start.AddSeconds(4))));
            Assert.That(GramBloom.MayContain(b.Bits, GramBloom.ProbesOf(Encoding.UTF8.GetBytes(other.Logs[1].Line))), Is.True);
        });
    }

    [Test]
    public void Merged_OverlappingOrTouchingRangesOfOneFileAndDay_BecomeOne()
    {
        var day = DateOnly.FromDateTime(Start.UtcDateTime);
        var merged = PostgresLineGrams.Merged(
        [
            new GramCandidate(day, 1, 100, 200),
            new GramCandidate(day, 1, 0, 99),
            new GramCandidate(day, 1, 150, 300),
            new GramCandidate(day, 1, 400, 500),
            new GramCandidate(day, 2, 0, 50),
            new GramCandidate(day.AddDays(1), 1, 0, 50),
        ]);

        Assert.That(merged, Is.EqualTo(new[]
        {
            new GramCandidate(day, 1, 0, 300),
            new GramCandidate(day, 1, 400, 500),
            new GramCandidate(day, 2, 0, 50),
            new GramCandidate(day.AddDays(1), 1, 0, 50),
        }));
    }

    private static double Fill(byte[] bits) => bits.Sum(b => System.Numerics.BitOperations.PopCount(b)) / (bits.Length * 8.0);

    // Lines enough to fill the largest filter past MaxFill if it were folded once.
    private const int GrowLines = 600;

    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    // An access-log-like line with random numbers, as grams of logs mostly are; UTF-8 now and then.
    private static byte[] RandomLine(Random random) => Encoding.UTF8.GetBytes(
        $"2026-12-07T10:{random.Next(60):00}:{random.Next(60):00}.{random.Next(1000):000}Z INFO [worker-{random.Next(16)}] request handled "
        + $"path=/api/v1/items/{random.Next(100_000)} status={(random.Next(20) == 0 ? 500 : 200)} latency_ms={random.Next(900)}"
        + (random.Next(10) == 0 ? " user=Zoë café" : ""));
}
