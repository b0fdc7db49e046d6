using RlogAgent.Collection;

namespace RlogAgent.Tests.Collection;

[TestFixture]
public sealed class GlobSegmentTests
{
    [TestCase("*.log", "app.log", true)]
    [TestCase("*.log", "app.log.1", false)]
    [TestCase("*", "", true)]
    [TestCase("a*b*c", "aXXbYYc", true)]
    [TestCase("a*b*c", "aXXbYY", false)]
    [TestCase("app-?.log", "app-1.log", true)]
    [TestCase("app-?.log", "app-12.log", false)]
    [TestCase("app-?.log", "app-.log", false)]
    [TestCase("web-[0-9].log", "web-7.log", true)]
    [TestCase("web-[0-9].log", "web-x.log", false)]
    [TestCase("web-[abc].log", "web-b.log", true)]
    [TestCase("web-[abc].log", "web-d.log", false)]
    [TestCase("web-[!0-9].log", "web-x.log", true)]
    [TestCase("web-[!0-9].log", "web-3.log", false)]
    [TestCase("web-[^0-9].log", "web-3.log", false)]
    [TestCase("[]]x", "]x", true)]
    [TestCase("[!]]x", "]x", false)]
    [TestCase("a[b", "a[b", true)]
    [TestCase(@"a\*b", "a*b", true)]
    [TestCase(@"a\*b", "aXb", false)]
    [TestCase(@"a\?b", "a?b", true)]
    [TestCase("*.log", ".hidden.log", false)]
    [TestCase("?hidden.log", ".hidden.log", false)]
    [TestCase(".*.log", ".hidden.log", true)]
    [TestCase("app.log", "app.log", true)]
    [TestCase("app.log", "app.lo", false)]
    public void IsMatch_Glob7Forms_MatchAsShellsDo(string pattern, string name, bool expected)
    {
        Assert.That(new GlobSegment(pattern).IsMatch(name), Is.EqualTo(expected), $"{pattern} against {name}");
    }

    [Test]
    public void IsLiteral_NoWildcard_NamesOneEntry()
    {
        Assert.That(new GlobSegment("app.log").IsLiteral, Is.True);
        Assert.That(new GlobSegment("app-?.log").IsLiteral, Is.False);
    }
}
