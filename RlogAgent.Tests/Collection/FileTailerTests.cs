using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection;

[TestFixture]
public sealed class FileTailerTests
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
    public void TearDown()
    {
        _temp.Dispose();
    }

    [Test]
    public void ReadLines_LfAndCrlf_StripsTerminatorsAndGivesByteOffsets()
    {
        var path = WriteBytes("a.log", "first\r\nsécond\nthird\n");
        using var tailer = Open(path);

        var lines = ReadAll(tailer);

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "first", "sécond", "third" }));
        Assert.That(lines.Select(l => l.Offset), Is.EqualTo(new long[] { 0, 7, 15 }));
        Assert.That(lines.Select(l => l.NextOffset), Is.EqualTo(new long[] { 7, 15, 21 }));
        Assert.That(lines.Select(l => l.FileId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(lines[0].Source, Is.EqualTo(path));
        Assert.That(lines[0].Label, Is.EqualTo("app"));
    }

    [Test]
    public void ReadLines_LineWrittenInTwoParts_HeldUntilItsNewline()
    {
        var path = WriteBytes("a.log", "one\nhalf a li");
        using var tailer = Open(path);

        var first = ReadAll(tailer);
        File.AppendAllText(path, "ne\ntwo\n");
        var second = ReadAll(tailer);

        Assert.That(first.Select(l => l.Text), Is.EqualTo(new[] { "one" }));
        Assert.That(second.Select(l => l.Text), Is.EqualTo(new[] { "half a line", "two" }));
        Assert.That(second[0].Offset, Is.EqualTo(4));
    }

    [Test]
    public void ReadLines_InvalidUtf8AndNulBytes_BecomeReplacementCharactersAndReadingGoesOn()
    {
        var path = _temp.Combine("bin.log");
        File.WriteAllBytes(path, [0x61, 0xFF, 0xFE, 0x62, 0x0A, 0x00, 0x00, 0x0A, 0x6F, 0x6B, 0x0A]);
        using var tailer = Open(path);

        var lines = ReadAll(tailer);

        // A line of NULs only is a hole, not a line (see ReadLines_HoleOfNulBytes_...).
        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "a\uFFFD\uFFFDb", "ok" }));
        Assert.That(tailer.NulBytesSkipped, Is.EqualTo(2));
    }

    [Test]
    public void ReadLines_HoleOfNulBytesBetweenLines_SkippedAndTheLinesAroundItKeepTheirOffsets()
    {
        var path = _temp.Combine("hole.log");
        var hole = new byte[64 * 1024];
        File.WriteAllBytes(path, [.. "before\n"u8, .. hole, .. "after\nnul\0inside\n"u8]);
        using var tailer = Open(path);

        var lines = ReadAll(tailer);

        Assert.Multiple(() =>
        {
            Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "before", "after", "nul\0inside" }));
            Assert.That(lines[1].Offset, Is.EqualTo(7 + hole.Length));
            Assert.That(tailer.NulBytesSkipped, Is.EqualTo(hole.Length));
        });
    }

    [Test]
    public void FlushHeldLine_HoleTrailsTheLastLine_ReleaseEndsAtThatLineSoTheCheckpointCanGo()
    {
        var path = _temp.Combine("trailing.log");
        File.WriteAllBytes(path, [.. "one\ntwo\n"u8, .. new byte[5000]]);
        using var tailer = Open(path);
        var lines = ReadAll(tailer);

        var end = Flush(tailer, lines);

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(end, Is.EqualTo(8), "no line names the hole, so no confirmation can reach past it");
    }

    [Test]
    public void Read_LongLineGrowingSlowlyWithoutNewline_BytesReadStayLinearInBytesWritten()
    {
        var path = WriteBytes("slow.log", "first\n");
        using var tailer = Open(path, maxLineBytes: 1024 * 1024);
        ReadAll(tailer);
        var piece = new string('x', 100);
        const int appends = 2000;

        for (var i = 0; i < appends; i++)
        {
            File.AppendAllText(path, piece);
            ReadAll(tailer);
        }

        File.AppendAllText(path, "\n");
        var last = ReadAll(tailer);

        // Re-reading the held line on every append read about appends^2 * 50 bytes (200 MB here).
        var written = 6L + (appends * 100) + 1;
        Assert.That(last.Single().Text, Has.Length.EqualTo(appends * 100));
        Assert.That(tailer.BytesReadFromFile, Is.LessThan((4 * written) + (64 * 1024)), $"read {tailer.BytesReadFromFile} bytes for {written} written");
    }

    [Test]
    public void Open_TruncatedWhileRunningThenWhileStoppedAndEmptyAtStart_ThirdContentGetsANewFileId()
    {
        var path = WriteBytes("csv.log", "time,level,msg\nfirst content\n");
        string firstId;
        string secondId;
        using (var tailer = Open(path))
        {
            var first = ReadAll(tailer);
            firstId = first[0].FileId;
            _checkpoints.Confirm(firstId, first[^1].NextOffset);
            File.WriteAllText(path, "");
            File.WriteAllText(path, "time,level,msg\nsecond content\n");
            var second = ReadAll(tailer);
            secondId = second[0].FileId;
            _checkpoints.Confirm(secondId, second[^1].NextOffset);
        }

        _checkpoints.Flush();
        File.WriteAllText(path, "");
        _checkpoints = CheckpointStore.Load(_temp.Combine(), NullLogger.Instance, TimeProvider.System);
        using var restarted = Open(path);
        Assert.That(ReadAll(restarted), Is.Empty);
        File.WriteAllText(path, "time,level,msg\nthird content\n");
        var third = ReadAll(restarted);

        // Generation 0 again gave the third content the first one's file_id: the server dropped it.
        Assert.That(third.Select(l => l.Text), Is.EqualTo(new[] { "time,level,msg", "third content" }));
        Assert.That(new[] { firstId, secondId, third[0].FileId }, Is.Unique);
    }

    [Test]
    public void Open_CheckpointsLostAfterATruncation_SameContentKeepsItsFileId()
    {
        var path = WriteBytes("csv.log", "time,level,msg\nfirst content\n");
        string secondId;
        using (var tailer = Open(path))
        {
            ReadAll(tailer);
            File.WriteAllText(path, "");
            File.WriteAllText(path, "time,level,msg\nsecond content\n");
            secondId = ReadAll(tailer)[0].FileId;
        }

        _checkpoints.Flush();
        File.Delete(_temp.Combine(CheckpointStore.FileName));
        _checkpoints = CheckpointStore.Load(_temp.Combine(), NullLogger.Instance, TimeProvider.System);
        using var restarted = Open(path);
        var again = ReadAll(restarted);

        // A second identity for the same content stored it twice.
        Assert.That(again.Select(l => l.FileId).Distinct(), Is.EqualTo(new[] { secondId }));
        Assert.That(restarted.Generation, Is.EqualTo(1));
    }

    [Test]
    public void Open_CheckpointsLostAndTruncatedWhileStopped_NewContentGetsANewGeneration()
    {
        var path = WriteBytes("csv.log", "time,level,msg\nfirst content\n");
        var ids = new List<string>();
        using (var tailer = Open(path))
        {
            ids.Add(ReadAll(tailer)[0].FileId);
            File.WriteAllText(path, "");
            File.WriteAllText(path, "time,level,msg\nsecond content\n");
            ids.Add(ReadAll(tailer)[0].FileId);
        }

        _checkpoints.Flush();
        File.Delete(_temp.Combine(CheckpointStore.FileName));
        File.WriteAllText(path, "time,level,msg\nthird, other content\n");
        _checkpoints = CheckpointStore.Load(_temp.Combine(), NullLogger.Instance, TimeProvider.System);
        using var restarted = Open(path);
        ids.Add(ReadAll(restarted)[0].FileId);

        Assert.That(ids, Is.Unique);
        Assert.That(restarted.Generation, Is.EqualTo(2));
    }

    [Test]
    public void ReadLines_LineLongerThanMax_ShippedInPiecesThatCoverEveryByte()
    {
        var longLine = new string('x', 700) + "é" + new string('y', 300);
        var path = WriteBytes("long.log", "short\n" + longLine + "\nafter\n");
        using var tailer = Open(path, maxLineBytes: 256);

        var lines = ReadAll(tailer);

        var pieces = lines.Skip(1).Take(lines.Count - 2).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lines[0].Text, Is.EqualTo("short"));
            Assert.That(lines[^1].Text, Is.EqualTo("after"));
            Assert.That(string.Concat(pieces.Select(p => p.Text)), Is.EqualTo(longLine));
            Assert.That(pieces.Select(p => Encoding.UTF8.GetByteCount(p.Text)), Has.All.LessThanOrEqualTo(256));
            Assert.That(pieces.Select(p => p.Text), Has.None.Contain('\uFFFD'));
        });
        for (var i = 1; i < lines.Count; i++)
        {
            Assert.That(lines[i].Offset, Is.EqualTo(lines[i - 1].NextOffset), $"piece {i} starts where the previous ended");
        }
    }

    [Test]
    public void ReadLines_UnfinishedLineLongerThanMax_FullPiecesGoBeforeTheNewline()
    {
        var path = WriteBytes("long.log", new string('z', 600));
        using var tailer = Open(path, maxLineBytes: 256);

        var lines = ReadAll(tailer);

        Assert.That(lines.Select(l => l.Text.Length), Is.EqualTo(new[] { 256, 256 }));
    }

    [Test]
    public void ReadLines_FileTruncated_StartsAgainAtZeroUnderANewFileId()
    {
        var path = WriteBytes("a.log", "header\nold 1\nold 2\n");
        using var tailer = Open(path);
        var before = ReadAll(tailer);

        File.WriteAllText(path, "header\n");
        var after = ReadAll(tailer);
        File.AppendAllText(path, "new\n");
        after.AddRange(ReadAll(tailer));

        Assert.Multiple(() =>
        {
            Assert.That(after.Select(l => l.Text), Is.EqualTo(new[] { "header", "new" }));
            Assert.That(after[0].Offset, Is.Zero);
            Assert.That(after[0].FileId, Is.Not.EqualTo(before[0].FileId), "same first line, but a new file_id after truncation");
        });
    }

    [Test]
    public void Open_SameFileWithConfirmedCheckpoint_ResumesAtConfirmedOffset()
    {
        var path = WriteBytes("a.log", "one\ntwo\nthree\n");
        List<LogLine> first;
        using (var tailer = Open(path))
        {
            first = ReadAll(tailer);
        }

        _checkpoints.Confirm(first[0].FileId, first[1].NextOffset);
        using var reopened = Open(path);
        var again = ReadAll(reopened);

        Assert.That(again.Select(l => l.Text), Is.EqualTo(new[] { "three" }));
        Assert.That(again[0].FileId, Is.EqualTo(first[0].FileId));
    }

    [Test]
    public void Open_RenamedFile_KeepsFileIdAndOffsets()
    {
        var path = WriteBytes("a.log", "one\n");
        List<LogLine> first;
        using (var tailer = Open(path))
        {
            first = ReadAll(tailer);
        }

        var moved = _temp.Combine("a.log.1");
        File.Move(path, moved);
        File.AppendAllText(moved, "two\n");
        _checkpoints.Confirm(first[0].FileId, first[0].NextOffset);
        using var reopened = Open(moved);
        var again = ReadAll(reopened);

        Assert.That(again.Select(l => (l.Text, l.FileId, l.Offset)), Is.EqualTo(new[] { ("two", first[0].FileId, 4L) }));
    }

    [Test]
    public void Open_CheckpointWhoseFingerprintDiffers_TreatedAsNewFile()
    {
        var path = WriteBytes("a.log", "original first line\nmore\n");
        string oldId;
        using (var tailer = Open(path))
        {
            oldId = ReadAll(tailer)[0].FileId;
        }

        _checkpoints.Confirm(oldId, 25);

        // Same inode, other content: what a reused inode looks like to the agent.
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write("replaced content line\nnext\nthird\n"u8);
        }

        using var reopened = Open(path);
        var lines = ReadAll(reopened);

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "replaced content line", "next", "third" }));
        Assert.That(lines[0].FileId, Is.Not.EqualTo(oldId));
    }

    [Test]
    public void Open_StartAtEnd_SkipsExistingContent()
    {
        var path = WriteBytes("a.log", "old\n");
        using var tailer = Open(path, startAtEnd: true);

        File.AppendAllText(path, "new\n");
        var lines = ReadAll(tailer);

        Assert.That(lines.Select(l => (l.Text, l.Offset)), Is.EqualTo(new[] { ("new", 4L) }));
    }

    [Test]
    public void FlushHeldLine_UnfinishedLastLine_IsShippedWhole()
    {
        var path = WriteBytes("a.log", "done\nno newline");
        using var tailer = Open(path);
        var lines = ReadAll(tailer);

        Flush(tailer, lines);

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "done", "no newline" }));
        Assert.That(lines[1].NextOffset, Is.EqualTo(15));
    }

    [Test]
    public void FlushHeldLine_ClosedForRoomThenDeleted_ShipsTheHeldLineInsteadOfThrowing()
    {
        var path = WriteBytes("a.log", "done\nunfinished");
        using var tailer = Open(path);
        var lines = ReadAll(tailer);
        tailer.Close();
        File.Delete(path);

        var end = Flush(tailer, lines);

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(new[] { "done", "unfinished" }));
        Assert.That(end, Is.EqualTo(15));
        Assert.That(tailer.CaughtUp, Is.False, "a closed file is never taken as read out");
        Assert.That(tailer.CurrentPathOfHandle(), Is.Null);
    }

    [Test]
    public void ReadLines_TruncatedAndGrownBackPastReadPositionWithSameFirstLine_ReadsNewContentFromStart()
    {
        var path = WriteBytes("a.log", "header\nold 1\nold 2\n");
        using var tailer = Open(path);
        var before = ReadAll(tailer);

        // copytruncate while the reader waited, then the application wrote past the old position.
        File.WriteAllText(path, "header\nnew 1 is longer\nnew 2 is longer\n");
        var after = ReadAll(tailer);

        Assert.That(after.Select(l => l.Text), Is.EqualTo(new[] { "header", "new 1 is longer", "new 2 is longer" }));
        Assert.That(after[0].Offset, Is.Zero);
        Assert.That(after[0].FileId, Is.Not.EqualTo(before[0].FileId), "new content, new file_id");
    }

    [Test]
    public void CheckTruncation_RewrittenWhileIdle_ResetsToStartUnderNewFileId()
    {
        var path = WriteBytes("a.log", "header\nold line\n");
        using var tailer = Open(path);
        var before = ReadAll(tailer);
        File.WriteAllText(path, "header\nnew line\n");

        Assert.That(tailer.CheckTruncation(), Is.True);
        Assert.That(tailer.CheckTruncation(), Is.False, "once");
        var after = ReadAll(tailer);

        Assert.That(after.Select(l => (l.Text, l.Offset)), Is.EqualTo(new[] { ("header", 0L), ("new line", 7L) }));
        Assert.That(after[0].FileId, Is.Not.EqualTo(before[0].FileId));
    }

    [Test]
    public void Open_TruncatedWhileDownAndLongerThanCheckpointWithSameFirstLine_StartsOverUnderNewFileId()
    {
        var path = WriteBytes("a.log", "header\nold 1\nold 2\n");
        string oldId;
        using (var tailer = Open(path))
        {
            var lines = ReadAll(tailer);
            oldId = lines[0].FileId;
            _checkpoints.Confirm(oldId, lines[1].NextOffset);
        }

        _checkpoints.Flush();
        File.WriteAllText(path, "header\nnew content, longer than before\n");
        _checkpoints = CheckpointStore.Load(_temp.Combine(), NullLogger.Instance, TimeProvider.System);
        using var reopened = Open(path);
        var after = ReadAll(reopened);

        Assert.That(after.Select(l => (l.Text, l.Offset)), Is.EqualTo(new[] { ("header", 0L), ("new content, longer than before", 7L) }));
        Assert.That(after[0].FileId, Is.Not.EqualTo(oldId));
    }

    [Test]
    public void Open_SameContentAfterRestart_ResumesAtConfirmedOffset()
    {
        var path = WriteBytes("a.log", "header\nline 1\nline 2\n");
        using (var tailer = Open(path))
        {
            var lines = ReadAll(tailer);
            _checkpoints.Confirm(lines[0].FileId, lines[1].NextOffset);
        }

        File.AppendAllText(path, "line 3\n");
        using var reopened = Open(path);

        Assert.That(ReadAll(reopened).Select(l => l.Text), Is.EqualTo(new[] { "line 2", "line 3" }));
    }

    [TestCase(256)]
    [TestCase(4096)]
    public void ReadLines_LongLineOfInvalidUtf8_EveryPieceEncodesWithinMaxLineBytes(int maxLineBytes)
    {
        var bytes = new byte[(maxLineBytes * 5) + 17];
        new Random(7).NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] == (byte)'\n' ? (byte)0xFF : bytes[i];
        }

        var path = _temp.Combine("bin.log");
        File.WriteAllBytes(path, [.. bytes, (byte)'\n', (byte)'o', (byte)'k', (byte)'\n']);
        using var tailer = Open(path, maxLineBytes);

        var lines = ReadAll(tailer);

        Assert.That(lines.Select(l => Encoding.UTF8.GetByteCount(l.Text)), Has.All.LessThanOrEqualTo(maxLineBytes));
        Assert.That(lines[^1].Text, Is.EqualTo("ok"));
        for (var i = 1; i < lines.Count; i++)
        {
            Assert.That(lines[i].Offset, Is.EqualTo(lines[i - 1].NextOffset), "the pieces cover every byte");
        }
    }

    private FileTailer Open(string path, int maxLineBytes = 1024 * 1024, bool startAtEnd = false) =>
        FileTailer.Open("app", path, _checkpoints, startAtEnd, maxLineBytes, NullLogger.Instance, TimeProvider.System);

    private List<LogLine> ReadAll(FileTailer tailer)
    {
        var lines = new List<LogLine>();
        while (tailer.Read(out var chunk) > 0)
        {
            Take(chunk, lines);
        }

        return lines;
    }

    private static long Flush(FileTailer tailer, List<LogLine> lines)
    {
        var end = tailer.FlushHeldLine(out var chunk);
        Take(chunk, lines);
        return end;
    }

    /// <summary>The chunk's lines as strings; the chunk goes back to the pool, as a confirmation would.</summary>
    private static void Take(RlogAgent.Pipeline.LineChunk? chunk, List<LogLine> lines)
    {
        if (chunk is not null)
        {
            lines.AddRange(TestLines.Of(chunk));
            chunk.Release();
        }
    }

    private string WriteBytes(string name, string content)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }
}
