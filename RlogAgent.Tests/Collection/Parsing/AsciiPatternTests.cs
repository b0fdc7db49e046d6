using System.Text;
using System.Text.RegularExpressions;
using RlogAgent.Collection.Parsing;
using RlogAgent.Configuration;

namespace RlogAgent.Tests.Collection.Parsing;

/// <summary>The regex fast path: the patterns it runs find what .NET finds, and the others are left to .NET.</summary>
[TestFixture]
public sealed class AsciiPatternTests
{
    private static readonly string[] Runnable =
    [
        @"^(?<time>\S+) (?<level>\w+) \[(?<worker>[^\]]+)\] (?<msg>.*)$",
        @"^(?<time>\S+ \S+) \[(?<level>\w+)\] (?<msg>.*)$",
        @"^(?<ip>\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}) - (?<user>\S+) \[(?<time>[^\]]+)\] ""(?<method>[A-Z]+) (?<path>\S*) HTTP/[\d.]+"" (?<status>\d{3}) (?<size>[\d-]+)",
        @"level=(?<level>\w+)",
        @"^(?<a>.*?)=(?<b>.*)$",
        @"^(?<n>\d*)x(?<rest>.*)",
        @"^(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})[T ]?(?<t>[\d:]{0,8})",
        @"^\s*(?<k>[a-zA-Z_][\w.-]*)\s*:\s*(?<v>[^,;]*)",
        @"(?:(?<x>a+)b)c(?'y'\W*?)\.",
        @"^(?<a>\S+)(?<b>\S+)(?<c>\S+)$",
        @"(?<word>[^\s\d]{2,5}?)(?<tail>\D+)$",
        @"(?<e>[\tx])\t?",
    ];

    [TestCase(@"a|b")]
    [TestCase(@"(?i)abc")]
    [TestCase(@"(ab)+")]
    [TestCase(@"(?<x>ab)*c")]
    [TestCase(@"^(?<n>\d+)?x")]
    [TestCase(@"\bword\b")]
    [TestCase(@"(?<x>a)\k<x>")]
    [TestCase(@"(?=a)b")]
    [TestCase(@"(?<!a)b")]
    [TestCase(@"\p{L}+")]
    [TestCase(@"\x41")]
    [TestCase(@"[[:alpha:]]")]
    [TestCase(@"[a-z-[aeiou]]")]
    [TestCase(@"(?<x>a)(?<x>b)")]
    [TestCase(@"a{,3}")]
    [TestCase(@"[\d-z]")]
    [TestCase(@"é+")]
    public void TryCompile_BeyondWhatItRuns_LeftToDotNet(string pattern)
    {
        Assert.That(AsciiPattern.TryCompile(UserPattern.CompileForGroups(pattern)), Is.Null);
    }

    [Test]
    public void TryCompile_OptionsOtherThanCultureInvariant_LeftToDotNet()
    {
        Assert.That(AsciiPattern.TryCompile(new Regex("a+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)), Is.Null);
    }

    [Test]
    public void Match_RunnablePatternsOnManyLines_SameMatchAndGroupsAsDotNet()
    {
        // Lines made from seeds that suit the patterns by random edits with the bytes they care
        // about; for each, the fast path and .NET must agree on whether it matches and on every
        // named group's place.
        string[] seeds =
        [
            "2026-11-24T22:00:00.000Z INFO [worker-0] request handled path=/api/v1/items/17612 status=200",
            "2026-11-28 08:00:00,125 [WARN] queue is full",
            "10.0.0.7 - ann [28/Nov/2026:08:00:00 +0000] \"GET /index.html HTTP/1.1\" 200 5120",
            "ts=1 level=error msg=x=y",
            "12x34 aab c  .",
            "  key.name : value, more; rest",
            "\tword\ttail",
        ];
        const string Alphabet = " \t-.:=,;_[]\"/Txabc0123456789ZWINFO";
        var random = new Random(20261207);
        var patterns = Runnable.Select(p => (Regex: UserPattern.CompileForGroups(p), Fast: AsciiPattern.TryCompile(UserPattern.CompileForGroups(p))!)).ToList();
        Assert.That(patterns.Select(p => p.Fast), Has.None.Null, "every pattern listed is one the fast path runs");

        var (matched, missed, gaveUp) = (0, 0, 0);
        for (var n = 0; n < 20_000; n++)
        {
            var line = new StringBuilder(seeds[random.Next(seeds.Length)]);
            for (var edits = random.Next(0, 4); edits > 0; edits--)
            {
                var at = random.Next(line.Length + 1);
                var with = Alphabet[random.Next(Alphabet.Length)];
                switch (random.Next(3))
                {
                    case 0:
                        line.Insert(at, with);
                        break;
                    case 1 when at < line.Length:
                        line.Remove(at, 1);
                        break;
                    case 2 when at < line.Length:
                        line[at] = with;
                        break;
                }
            }

            var text = line.ToString();
            var bytes = Encoding.ASCII.GetBytes(text);
            foreach (var (regex, fast) in patterns)
            {
                var starts = new int[fast.Names.Count];
                var ends = new int[fast.Names.Count];
                var outcome = fast.Match(bytes, starts, ends);
                if (outcome == AsciiPattern.Outcome.GaveUp)
                {
                    gaveUp++;
                    continue;
                }

                var match = regex.Match(text);
                Assert.That(outcome == AsciiPattern.Outcome.Matched, Is.EqualTo(match.Success), $"/{regex}/ on \"{text}\"");
                if (!match.Success)
                {
                    missed++;
                    continue;
                }

                matched++;
                for (var g = 0; g < fast.Names.Count; g++)
                {
                    var group = match.Groups[fast.Names[g]];
                    Assert.That((starts[g], ends[g] - starts[g]), Is.EqualTo((group.Index, group.Length)), $"group {fast.Names[g]} of /{regex}/ on \"{text}\"");
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(matched, Is.GreaterThan(20_000), "many lines match");
            Assert.That(missed, Is.GreaterThan(20_000), "and many do not");
            Assert.That(gaveUp, Is.LessThan(matched / 100), "the step budget is rarely reached on ordinary lines");
        });
    }

    [Test]
    public void Match_HostileLine_GivesUpWithinItsBudget()
    {
        // Three greedy runs over 5,000 bytes that never end the line: about 10^10 ways to split.
        var fast = AsciiPattern.TryCompile(UserPattern.CompileForGroups(@"^(?<a>\S+)(?<b>\S+)(?<c>\S+)x$"))!;
        var line = Encoding.ASCII.GetBytes(new string('a', 5000) + "y");

        Assert.That(fast.Match(line, new int[3], new int[3]), Is.EqualTo(AsciiPattern.Outcome.GaveUp));
    }
}
