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
