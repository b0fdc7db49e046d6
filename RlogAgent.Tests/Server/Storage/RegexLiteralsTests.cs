using System.Text;
using System.Text.RegularExpressions;
using RlogServer.Storage.Postgres;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>
/// The texts a regex's every match must contain (what lets the search segments narrow a regex
/// search): the runs read from a pattern, the patterns read as giving none, and, over random
/// patterns, that every line a pattern matches holds every text read from it.
/// </summary>
public sealed class RegexLiteralsTests
{
    [TestCase("status=50[3]", new[] { "status=50" })]
    [TestCase("abc*d", new[] { "ab", "d" })]
    [TestCase("ab+c", new[] { "ab", "c" })]
    [TestCase("a?bcd", new[] { "bcd" })]
    [TestCase("lazy*?x", new[] { "laz", "x" })]
    [TestCase("x{2}yz", new[] { "yz" })]
    [TestCase("(foo|bar)baz", new[] { "baz" })]
    [TestCase("a(?:bc)?d", new[] { "a", "d" })]
    [TestCase(@"a\.b\\c", new[] { "a.b\\c" })]
    [TestCase(@"\d+ms", new[] { "ms" })]
    [TestCase("GET /api/[a-z]+/items", new[] { "GET /api/", "/items" })]
    [TestCase("[]abc]x", new[] { "x" })]
    [TestCase("[^]a]x", new[] { "x" })]
    [TestCase("[[:digit:]]+ms", new[] { "ms" })]
    [TestCase(@"[\]]ab", new[] { "ab" })]
    [TestCase("^start.*end$", new[] { "start", "end" })]
    [TestCase("x\U0001F600+y", new[] { "x\U0001F600", "y" })]
    [TestCase("x\U0001F600?y", new[] { "x", "y" })]
    [TestCase("a}b]c", new[] { "a", "b", "c" })]
    public void Required_Pattern_TheRunsEveryMatchHolds(string pattern, string[] expected)
    {
        Assert.That(RegexLiterals.Required(pattern, minBytes: 1), Is.EqualTo(expected));
    }

    [TestCase("foo|bar", TestName = "Required_AlternationAtTheTopLevel_None")]
    [TestCase("(?i)error", TestName = "Required_EmbeddedOptions_None")]
    [TestCase("***=a.b", TestName = "Required_LiteralDirector_None")]
    [TestCase("***:abc", TestName = "Required_AdvancedDirector_None")]
    [TestCase(@"ab\x41cd", TestName = "Required_HexEscape_None")]
    [TestCase(@"(ab)\1cd", TestName = "Required_BackReference_None")]
    [TestCase("(unclosed", TestName = "Required_GroupNotClosed_None")]
    [TestCase("[unclosed", TestName = "Required_BracketNotClosed_None")]
    [TestCase("*abc", TestName = "Required_QuantifierFirst_None")]
    [TestCase(@"abc\", TestName = "Required_TrailingBackslash_None")]
    [TestCase("ab{2", TestName = "Required_BoundNotClosed_None")]
    public void Required_PatternNotRead_None(string pattern)
    {
        Assert.That(RegexLiterals.Required(pattern, minBytes: 1), Is.Empty);
    }

    [TestCase("timeout|refused", new[] { "timeout" }, new[] { "refused" })]
    [TestCase("status=50[34]|level=(error|fatal)", new[] { "status=50" }, new[] { "level=" })]
    [TestCase(@"a\|b[|]c|d", new[] { "a|b", "c" }, new[] { "d" })]
    [TestCase("(x|y)z", new[] { "z" })]
    public void Branches_Pattern_TheRunsOfEachTopLevelBranch(string pattern, string[] first, string[]? second = null)
    {
        string[][] expected = second is null ? [first] : [first, second];

        Assert.That(RegexLiterals.Branches(pattern, minBytes: 1), Is.EqualTo(expected));
    }

    [TestCase("timeout|", TestName = "Branches_EmptyBranch_None")]
    [TestCase("timeout|.*", TestName = "Branches_BranchWithoutText_None")]
    [TestCase("(?i)timeout|refused", TestName = "Branches_EmbeddedOptions_None")]
    [TestCase(@"timeout|refused\", TestName = "Branches_TrailingBackslash_None")]
    [TestCase("timeout|(refused", TestName = "Branches_GroupNotClosed_None")]
    public void Branches_PatternNotNarrowed_None(string pattern)
    {
        Assert.That(RegexLiterals.Branches(pattern, minBytes: 1), Is.Empty);
    }

    [Test]
    public void Required_RunsShorterThanTheMinimum_LeftOut()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RegexLiterals.Required("ab.cd", minBytes: 4), Is.Empty);
            Assert.That(RegexLiterals.Required("ab.cdef.é€", minBytes: 4), Is.EqualTo(new[] { "cdef", "é€" }), "bytes, not characters: 2 + 3");
        });
    }

    [Test]
    public void Branches_RandomPatterns_EveryMatchingLineHoldsEveryTextOfABranch()
    {
        // Atoms whose meaning .NET and PostgreSQL's advanced syntax share, so .NET judges the
        // matches: every line a pattern matches must hold every text of one of its branches.
        string[] atoms = ["a", "b", "c", "1", ".", "[ab]", "[^a]", @"\d", "(a|b)", "(?:bc)", @"\.", "x", "|", "[|]"];
        string[] quantifiers = ["", "", "", "*", "+", "?", "{2}", "{0,1}", "*?"];
        var random = new Random(20261207);
        var matched = 0;
        for (var round = 0; round < 3000; round++)
        {
            var pattern = new StringBuilder(random.Next(4) == 0 ? "^" : "");
            for (var atom = random.Next(1, 7); atom > 0; atom--)
            {
                pattern.Append(atoms[random.Next(atoms.Length)]).Append(quantifiers[random.Next(quantifiers.Length)]);
            }

            var text = pattern.ToString();
            if (text.StartsWith('|') || text.EndsWith('|') || text.Contains("||", StringComparison.Ordinal) || text.Contains("|*", StringComparison.Ordinal)
                || text.Contains("|+", StringComparison.Ordinal) || text.Contains("|?", StringComparison.Ordinal) || text.Contains("|{", StringComparison.Ordinal))
            {
                // A quantifier with nothing to repeat, or an empty branch: not a pattern both engines take alike.
                continue;
            }

            var branches = RegexLiterals.Branches(text, minBytes: 1);
            var regex = new Regex(text, RegexOptions.CultureInvariant);
            for (var line = 0; line < 200; line++)
            {
                var candidate = new string([.. Enumerable.Range(0, random.Next(12)).Select(_ => "abc1x."[random.Next(6)])]);
                if (!regex.IsMatch(candidate))
                {
                    continue;
                }

                matched++;
                if (branches.Count > 0 && !branches.Any(runs => runs.All(run => candidate.Contains(run, StringComparison.Ordinal))))
                {
                    Assert.Fail($"pattern {text} matches {candidate}, which holds the texts of none of its branches: {string.Join(" | ", branches.Select(b => string.Join(", ", b)))}");
                }
            }
        }

        Assert.That(matched, Is.GreaterThan(10_000), "the random patterns match often enough to judge");
    }
}
