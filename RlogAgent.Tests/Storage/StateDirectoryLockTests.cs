using RlogAgent.Storage;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Storage;

[TestFixture]
public sealed class StateDirectoryLockTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Acquire_WhileAnotherHoldsIt_ThrowsNamingTheLockFile()
    {
        using var first = StateDirectoryLock.Acquire(_temp.Path);

        var e = Assert.Throws<StateDirectoryInUseException>(() => StateDirectoryLock.Acquire(_temp.Path));

        Assert.That(e!.Message, Does.Contain(Path.Combine(_temp.Path, StateDirectoryLock.FileName)));
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "POSIX file modes")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Acquire_AfterTheHolderLetGo_Succeeds()
    {
        StateDirectoryLock.Acquire(_temp.Path).Dispose();

        using var again = StateDirectoryLock.Acquire(_temp.Path);

        Assert.That(File.GetUnixFileMode(Path.Combine(_temp.Path, StateDirectoryLock.FileName)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }
}
