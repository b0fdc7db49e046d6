using System.Text;
using Rlog.V1;
using RlogAgent.Collection.Parsing;
using RlogAgent.Configuration;

namespace RlogAgent.Tests.Collection.Parsing;

/// <summary>The json, logfmt and regex parsers and detect_level, on event text as the agent holds it (UTF-8).</summary>
[TestFixture]
public sealed class EventParserTests
{
    [Test]
    public void Json_DefaultKeys_TimeLevelAndNamedFields()
    {
        var parser = new JsonEventParser(new ParseOptions { Format = ParseFormat.Json, Fields = ["user_id", "trace_id"] });

        var parsed = Parse(parser, """{"ts":"2026-11-28T07:00:00.5Z","level":"warning","msg":"slow \"query\"","user_id":42,"trace_id":"a\u00e9b","other":1}""");

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Failure, Is.Null);
            Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2026-11-28T07:00:00.5000000Z"));
            Assert.That(parsed.Severity, Is.EqualTo(SeverityLevels.Warn));
            Assert.That(Encoding.UTF8.GetString(parsed.LevelText), Is.EqualTo("warning"));
            Assert.That(Attributes(parsed), Is.EqualTo(new Dictionary<string, string> { ["user_id"] = "42", ["trace_id"] = "aéb" }));
        });
    }

    [Test]
    public void Json_AllFieldsAndNestedLogLevelAndEpochMillis_EveryTopLevelScalarButTimeAndLevel()
    {
        var parser = new JsonEventParser(new ParseOptions { Format = ParseFormat.Json, Fields = ["*"] });

        var parsed = Parse(parser, """{"@timestamp":1764313200250,"log":{"level":"ERROR"},"service":"api","ok":false,"n":null,"tags":["a"]}""");

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Failure, Is.Null);
            Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2025-11-28T07:00:00.2500000Z"), "an epoch in milliseconds, told by its size");
            Assert.That(parsed.Severity, Is.EqualTo(SeverityLevels.Error));
            Assert.That(Attributes(parsed), Is.EqualTo(new Dictionary<string, string> { ["service"] = "api", ["ok"] = "false" }));
        });
    }

    [Test]
    public void Json_TimeKeyPreferredInTheDefaultsOrder_FirstOfTheListWinsNotFirstInTheLine()
    {
        var parser = new JsonEventParser(new ParseOptions { Format = ParseFormat.Json });

        var parsed = Parse(parser, """{"timestamp":"2020-01-01T00:00:00Z","time":"2026-11-28T07:00:00Z"}""");

        Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2026-11-28T07:00:00.0000000Z"));
    }

    [TestCase("not json at all", "not a JSON object")]
    [TestCase("{\"level\":\"info\",", "not valid JSON")]
    [TestCase("{\"time\":\"soon\"}", "the time 'soon' is not rfc3339")]
    public void Json_UnparsableLineOrTime_FailureSaysWhy(string line, string reason)
    {
        var parsed = Parse(new JsonEventParser(new ParseOptions { Format = ParseFormat.Json }), line);

        Assert.That(parsed.Failure, Does.Contain(reason));
        Assert.That(parsed.TimeTicks, Is.Zero);
    }

    [Test]
    public void Logfmt_QuotedAndEscapedValues_TimeLevelAndFields()
    {
        var parser = new LogfmtEventParser(new ParseOptions { Format = ParseFormat.Logfmt, TimeKey = "at", Fields = ["msg", "user"] });

        var parsed = Parse(parser, """at=2026-11-28T07:00:00Z level=err msg="disk \"sda\" full" user=ann flag""");

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Failure, Is.Null);
            Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2026-11-28T07:00:00.0000000Z"));
            Assert.That(parsed.Severity, Is.EqualTo(SeverityLevels.Error));
            Assert.That(Attributes(parsed), Is.EqualTo(new Dictionary<string, string> { ["msg"] = "disk \"sda\" full", ["user"] = "ann" }));
        });
    }

    [TestCase("just words here", "no key=value pair")]
    [TestCase("msg=\"never closed", "no closing quote")]
    public void Logfmt_NotLogfmt_FailureSaysWhy(string line, string reason) =>
        Assert.That(Parse(new LogfmtEventParser(new ParseOptions { Format = ParseFormat.Logfmt }), line).Failure, Does.Contain(reason));

    [Test]
    public void Regex_NamedGroups_TimeLevelAndEveryOtherGroupAnAttribute()
    {
        var options = new ParseOptions
        {
            Format = ParseFormat.Regex,
            Pattern = UserPattern.Compile(@"^(?<time>\S+ \S+) \[(?<level>\w+)\] (?<thread>[\w-]+): (?<msg>.*)$"),
            TimeFormat = new TimeFormat(TimeFormatKind.Custom, "yyyy-MM-dd HH:mm:ss,fff"),
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"),
        };

        var parsed = Parse(new RegexEventParser(options), "2026-11-28 08:00:00,125 [WARN] pool-1: queue is full");

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Failure, Is.Null);
            Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2026-11-28T07:00:00.1250000Z"));
            Assert.That(parsed.Severity, Is.EqualTo(SeverityLevels.Warn));
            Assert.That(Attributes(parsed), Is.EqualTo(new Dictionary<string, string> { ["thread"] = "pool-1", ["msg"] = "queue is full" }));
        });
    }

    [TestCase("2026-11-28 08:00:00,125 [WARN] pool-1: queue is full", "pool-1", "queue is full")]
    [TestCase("2026-11-28 08:00:00,125 [WARN] pöol-1: qüeue ✓ full", "pöol-1", "qüeue ✓ full")]
    public void Regex_AsciiOrNot_GroupsAreTheLinesOwnText(string line, string thread, string msg)
    {
        // An ASCII line's groups are sliced from its bytes; any other line's are encoded again.
        var options = new ParseOptions
        {
            Format = ParseFormat.Regex,
            Pattern = UserPattern.CompileForGroups(@"^(?<time>\S+ \S+) \[(?<level>\w+)\] (?<thread>[\w-]+): (?<msg>.*)$"),
            TimeFormat = new TimeFormat(TimeFormatKind.Custom, "yyyy-MM-dd HH:mm:ss,fff"),
        };

        var parsed = Parse(new RegexEventParser(options), line);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Severity, Is.EqualTo(SeverityLevels.Warn));
            Assert.That(Utc(parsed.TimeTicks), Is.EqualTo("2026-11-28T08:00:00.1250000Z"));
            Assert.That(Attributes(parsed), Is.EqualTo(new Dictionary<string, string> { ["thread"] = thread, ["msg"] = msg }));
        });
    }

    [Test]
    public void Regex_HostileInputForABacktrackingPattern_GivesUpWithinTheMatchTimeout()
    {
        // parse.pattern runs on the backtracking engine (its groups are read on every event), bounded by a match timeout.
        var options = new ParseOptions { Format = ParseFormat.Regex, Pattern = UserPattern.CompileForGroups(@"^(?<x>(a+)+)b$") };
        var hostile = new string('a', 5000) + "!";
        var started = System.Diagnostics.Stopwatch.StartNew();

        var parsed = Parse(new RegexEventParser(options), hostile);

        Assert.That(parsed.Failure, Does.Contain("took longer than").Or.Contain("does not match"));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "bounded by the match timeout, not catastrophic backtracking");
    }

    [TestCase("2026-11-28 07:00:00 [ERROR] boom", "ERROR", 17)]
    [TestCase("level=warn msg=slow", "warn", 13)]
    [TestCase("I1128 07:00:00.123 info: ready", "info", 9)]
    public void DetectLevel_LevelWordNearTheStart_Found(string line, string text, int number)
    {
        var parsed = new ParsedEvent();

        LevelDetector.Detect(Encoding.UTF8.GetBytes(line), parsed);

        Assert.That(Encoding.UTF8.GetString(parsed.LevelText), Is.EqualTo(text));
        Assert.That(parsed.Severity, Is.EqualTo(number));
    }

    [TestCase("GET /index.html 200")]
    [TestCase("a very long line with many words before the level appears at all and then ERROR")]
    public void DetectLevel_NoLevelWordNearTheStart_None(string line)
    {
        var parsed = new ParsedEvent();

        LevelDetector.Detect(Encoding.UTF8.GetBytes(line), parsed);

        Assert.That(parsed.Severity, Is.Zero);
    }

    [Test]
    public void Json_WideLineWithLongValues_FieldsCappedWithinTheServersLimits()
    {
        var keys = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"k{i}\":{i}"));
        var parsed = Parse(new JsonEventParser(new ParseOptions { Format = ParseFormat.Json, Fields = ["*"] }), $"{{\"big\":\"{new string('x', 20_000)}\",{keys}}}");

        var attributes = Attributes(parsed);
        Assert.That(attributes, Has.Count.EqualTo(AttributeBytes.MaxEntries));
        Assert.That(attributes, Does.Not.ContainKey("big"), "a value past 16 KiB stays in the line only");
    }

    private static ParsedEvent Parse(IEventParser parser, string line)
    {
        var parsed = new ParsedEvent();
        parser.Parse(Encoding.UTF8.GetBytes(line), parsed);
        return parsed;
    }

    /// <summary>The wire-form attributes, read back by the generated protobuf code.</summary>
    private static Dictionary<string, string> Attributes(ParsedEvent parsed)
    {
        var bytes = parsed.Attributes.Take() ?? [];
        return new Dictionary<string, string>(Log.Parser.ParseFrom(bytes).Attributes);
    }

    private static string Utc(long unixTicks) => new DateTime(DateTime.UnixEpoch.Ticks + unixTicks, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
