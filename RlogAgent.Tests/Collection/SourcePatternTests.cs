using RlogAgent.Collection;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection;

[TestFixture]
public sealed class SourcePatternTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Match_QuestionMarkAndBrackets_FindFilesFileSystemGlobbingMissed()
    {
        Touch("app-1.log", "app-12.log", "web-3.log", "web-x.log", "db-a.log", "db-q.log");

        Assert.That(Names("app-?.log"), Is.EqualTo(new[] { "app-1.log" }));
        Assert.That(Names("web-[0-9].log"), Is.EqualTo(new[] { "web-3.log" }));
        Assert.That(Names("db-[!a].log"), Is.EqualTo(new[] { "db-q.log" }));
    }

    [Test]
    public void Match_Braces_TakeEachAlternative()
    {
        Touch("api.log", "web.log", "db.log", "web.txt");

        Assert.That(Names("{api,web}.log"), Is.EqualTo(new[] { "api.log", "web.log" }));
        Assert.That(Names("*.{log,txt}"), Is.EqualTo(new[] { "api.log", "db.log", "web.log", "web.txt" }));
    }

    [Test]
    public void Match_DoubleStar_AnyDepthIncludingNone()
    {
        Touch("top.log", Path.Combine("a", "mid.log"), Path.Combine("a", "b", "deep.log"), Path.Combine("a", "b", "deep.txt"));

        Assert.That(Names("**/*.log"), Is.EqualTo(new[] { "a/b/deep.log", "a/mid.log", "top.log" }));
        Assert.That(Names("a/**/*.log"), Is.EqualTo(new[] { "a/b/deep.log", "a/mid.log" }));
        Assert.That(Names("*/*.log"), Is.EqualTo(new[] { "a/mid.log" }));
    }

    [Test]
    public void Match_Excludes_ByNameAnywhereOrByPath()
    {
        Touch("keep.log", "skip.log", Path.Combine("a", "skip.log"), Path.Combine("a", "keep.log"), Path.Combine("b", "keep.log"));

        Assert.That(Names("**/*.log", "skip.log"), Is.EqualTo(new[] { "a/keep.log", "b/keep.log", "keep.log" }));
        Assert.That(Names("**/*.log", "a/*.log"), Is.EqualTo(new[] { "b/keep.log", "keep.log", "skip.log" }));
        Assert.That(Names("**/*.log", _temp.Combine("b", "**")), Is.EqualTo(new[] { "a/keep.log", "a/skip.log", "keep.log", "skip.log" }));
    }

    [Test]
    public void Match_NoWildcard_NamesOneFile()
    {
        Touch("app.log");
        var pattern = new SourcePattern(_temp.Combine("app.log"), []);

        Assert.That(pattern.SingleFile, Is.EqualTo(_temp.Combine("app.log")));
        Assert.That(pattern.Match(), Is.EqualTo(new[] { _temp.Combine("app.log") }));
    }

    [Test]
    public void ExpandBraces_Nested_GivesEveryAlternative()
    {
        Assert.That(SourcePattern.ExpandBraces("x-{a,b{1,2}}.log"), Is.EqualTo(new[] { "x-a.log", "x-b1.log", "x-b2.log" }));
        Assert.That(SourcePattern.ExpandBraces("plain{x}.log"), Is.EqualTo(new[] { "plain{x}.log" }));
    }

    private void Touch(params string[] relative)
    {
        foreach (var r in relative)
        {
            var path = _temp.Combine(r);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x\n");
        }
    }

    private string[] Names(string glob, params string[] exclude) =>
        new SourcePattern(_temp.Combine(glob), exclude).Match()
            .Select(p => Path.GetRelativePath(_temp.Path, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
