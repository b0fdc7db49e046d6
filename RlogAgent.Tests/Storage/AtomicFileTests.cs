using RlogAgent.Storage;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Storage;

[TestFixture]
public sealed class AtomicFileTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task WriteAllText_ManyWritersOnOnePath_EachWriteIsWholeAndNoTempIsShared()
    {
        var path = _temp.Combine("state.txt");
        var contents = Enumerable.Range(0, 16).Select(i => new string((char)('a' + i), 10_000)).ToArray();

        await Task.WhenAll(contents.Select(c => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                AtomicFile.WriteAllText(path, c, isPrivate: true);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.That(contents, Does.Contain(File.ReadAllText(path)), "one writer's whole content, never a mix");
        Assert.That(Directory.GetFiles(_temp.Path, "*.tmp"), Is.Empty);
    }
}
