using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection;

[TestFixture]
public sealed class CheckpointStoreTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Confirm_ThenFlushAndLoad_OffsetSurvives()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));
        store.Confirm("f1", 120);
        store.Flush();

        var loaded = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);

        Assert.That(loaded.Find(new FileIdentity(1, 2))!.Offset, Is.EqualTo(120));
    }

    [Test]
    public void Confirm_OlderOffsetOrUnknownFileId_DoesNotMoveCheckpoint()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));

        store.Confirm("f1", 100);
        store.Confirm("f1", 50);
        store.Confirm("old-generation", 500);

        Assert.That(store.Find(new FileIdentity(1, 2))!.Offset, Is.EqualTo(100));
    }

    [Test]
    public void Load_CorruptFile_IsSetAsideReportedAndStoreStartsEmpty()
    {
        File.WriteAllText(Path.Combine(_temp.Path, CheckpointStore.FileName), "{ not json");

        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);

        Assert.Multiple(() =>
        {
            Assert.That(store.Recovered, Is.True);
            Assert.That(store.All(), Is.Empty);
            Assert.That(File.Exists(Path.Combine(_temp.Path, CheckpointStore.FileName)), Is.False);
            Assert.That(Directory.GetFiles(_temp.Path, CheckpointStore.FileName + ".corrupt-*"), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void Load_CheckpointOfFileGoneForLong_IsPruned()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, time);
        var gone = Checkpoint("1:2", "f1", 10);
        gone.Path = _temp.Combine("gone.log");
        var present = Checkpoint("1:3", "f2", 10);
        present.Path = _temp.Combine("present.log");
        File.WriteAllText(present.Path, "x\n");
        store.Set(gone);
        store.Set(present);
        store.Flush();

        time.Advance(CheckpointStore.PruneAfter + TimeSpan.FromDays(1));
        var loaded = CheckpointStore.Load(_temp.Path, NullLogger.Instance, time);

        Assert.That(loaded.All().Select(c => c.Identity), Is.EqualTo(new[] { "1:3" }));
    }

    [Test]
    public void Prune_WhileRunning_DropsOldCheckpointsOfFilesGoneOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, time);
        var gone = Checkpoint("1:2", "f1", 10);
        gone.Path = _temp.Combine("gone.log");
        var present = Checkpoint("1:3", "f2", 10);
        present.Path = _temp.Combine("present.log");
        File.WriteAllText(present.Path, "x\n");
        store.Set(gone);
        store.Set(present);

        Assert.That(store.Prune(), Is.Zero, "nothing is old yet");
        time.Advance(CheckpointStore.PruneAfter + TimeSpan.FromDays(1));

        Assert.That(store.Prune(), Is.EqualTo(1));
        Assert.That(store.All().Select(c => c.Identity), Is.EqualTo(new[] { "1:3" }));
    }

    [Test]
    public void MarkReleased_DroppedOnceEverythingBeforeTheEndIsConfirmed()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));
        store.Set(Checkpoint("1:3", "f2", 40));

        store.MarkReleased(new FileIdentity(1, 2), 100);
        store.MarkReleased(new FileIdentity(1, 3), 40);
        Assert.That(store.All().Select(c => c.Identity), Is.EqualTo(new[] { "1:2" }), "f2 was confirmed to its end already");

        store.Confirm("f1", 60);
        Assert.That(store.Count, Is.EqualTo(1), "lines before the end are still in flight");
        store.Confirm("f1", 100);
        Assert.That(store.Count, Is.Zero);
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "POSIX file modes")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Flush_WritesAPrivateFile()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));

        store.Flush();

        Assert.That(File.GetUnixFileMode(Path.Combine(_temp.Path, CheckpointStore.FileName)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public async Task Flush_FromManyThreadsAtOnce_EveryWriteLandsWholeAndNoTempFileIsLeft()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 1; i <= 50; i++)
            {
                store.Confirm("f1", (w * 1000) + i);
                store.Flush();
            }
        }));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        store.Confirm("f1", 999_999);
        store.Flush();

        var loaded = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        Assert.That(loaded.Recovered, Is.False);
        Assert.That(loaded.Find(new FileIdentity(1, 2))!.Offset, Is.EqualTo(999_999));
        Assert.That(Directory.GetFiles(_temp.Path, "*.tmp"), Is.Empty);
    }

    [Test]
    public void Find_CheckpointWrittenWithoutBirthTime_IsTakenOverUnderTheFullIdentity()
    {
        var store = CheckpointStore.Load(_temp.Path, NullLogger.Instance, TimeProvider.System);
        store.Set(Checkpoint("1:2", "f1", 0));
        store.Confirm("f1", 70);

        var found = store.Find(new FileIdentity(1, 2, Birth: 0x55));

        Assert.That(found!.Offset, Is.EqualTo(70));
        Assert.That(store.All().Select(c => c.Identity), Is.EqualTo(new[] { "1:2:55" }));
        Assert.That(store.Find(new FileIdentity(1, 2, Birth: 0x66)), Is.Null, "another birth time is another file");
    }

    private static FileCheckpoint Checkpoint(string identity, string fileId, long offset) => new()
    {
        Identity = identity,
        Label = "app",
        Path = "/x.log",
        FileId = fileId,
        Fingerprint = "00",
        FingerprintLength = 1,
        Offset = offset,
    };
}
