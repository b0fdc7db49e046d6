using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>A source's parse, detect_level, drop and redact keys: each valid form, each error naming the source and field.</summary>
[TestFixture]
public sealed class EventRulesSettingsTests
{
    private const string Head = "server_addr: http://127.0.0.1:5000\nproject_key: k\nsources:\n  - label: api\n    path: /var/log/api/*.log\n";

    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void LoadFile_EveryKeyOfTheIssuesExample_Read()
    {
        var source = Load(Head + """
                parse:
                  format: regex
                  pattern: '^(?<time>\S+ \S+) \[(?<level>\w+)\] (?<msg>.*)$'
                  time_format: "yyyy-MM-dd HH:mm:ss,fff"
                  time_zone: Asia/Seoul
                detect_level: true
                drop: ['GET /healthz']
                redact:
                  - pattern: '(?i)(password|token)=\S+'
                    replace: '$1=***'
            """).Sources[0];

        Assert.Multiple(() =>
        {
            Assert.That(source.Parse!.Format, Is.EqualTo(ParseFormat.Regex));
            Assert.That(source.Parse.Pattern!.IsMatch("2026-11-28 07:00:00,000 [INFO] hi"), Is.True);
            Assert.That(source.Parse.TimeFormat, Is.EqualTo(new TimeFormat(TimeFormatKind.Custom, "yyyy-MM-dd HH:mm:ss,fff")));
            Assert.That(source.Parse.TimeZone.Id, Is.EqualTo("Asia/Seoul"));
            Assert.That(source.DetectLevel, Is.True);
            Assert.That(source.Drop.Single().IsMatch("GET /healthz 200"), Is.True);
            Assert.That(source.Redact.Single().Pattern.Replace("password=x", source.Redact[0].Replace), Is.EqualTo("password=***"));
        });
    }

    [Test]
    public void LoadFile_JsonWithKeysAndFields_Read()
    {
        var parse = Load(Head + "    parse:\n      format: json\n      time_key: ts\n      time_format: unix_ms\n      level_key: severity\n      fields: [user_id, trace_id]\n").Sources[0].Parse!;

        Assert.That((parse.Format, parse.TimeKey, parse.TimeFormat.Kind, parse.LevelKey, parse.TimeZone), Is.EqualTo((ParseFormat.Json, "ts", TimeFormatKind.UnixMs, "severity", TimeZoneInfo.Utc)));
        Assert.That(parse.Fields, Is.EqualTo(new[] { "user_id", "trace_id" }));
    }

    [TestCase("    parse:\n      format: xml\n", "sources[0].parse.format", "must be json, logfmt or regex, not 'xml'")]
    [TestCase("    parse:\n      time_key: ts\n", "sources[0].parse.format", "is required")]
    [TestCase("    parse:\n      format: regex\n", "sources[0].parse.pattern", "is required with format: regex")]
    [TestCase("    parse:\n      format: regex\n      pattern: '(unclosed'\n", "sources[0].parse.pattern", "is not a valid regular expression")]
    [TestCase("    parse:\n      format: regex\n      pattern: '^(\\S+)$'\n", "sources[0].parse.pattern", "has no named group")]
    [TestCase("    parse:\n      format: json\n      pattern: x\n", "sources[0].parse.pattern", "is only for format: regex")]
    [TestCase("    parse:\n      format: json\n      time_zone: Mars/Olympus\n", "sources[0].parse.time_zone", "not 'Mars/Olympus'")]
    [TestCase("    parse:\n      format: json\n      time_format: '%'\n", "sources[0].parse.time_format", "is not usable")]
    [TestCase("    parse:\n      format: json\n      colour: red\n", "sources[0].parse.colour", "unknown setting")]
    [TestCase("    detect_level: maybe\n", "sources[0].detect_level", "must be true or false")]
    [TestCase("    drop: ['ok', '[bad']\n", "sources[0].drop[1]", "is not a valid regular expression")]
    [TestCase("    redact:\n      - replace: x\n", "sources[0].redact[0].pattern", "is required")]
    [TestCase("    redact:\n      - pattern: '(?<'\n", "sources[0].redact[0].pattern", "is not a valid regular expression")]
    public void LoadFile_BadEventRule_ErrorNamesTheSourceAndField(string yaml, string field, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => Load(Head + yaml));

        Assert.That(e!.Field, Is.EqualTo(field));
        Assert.That(e.Message, Does.Contain(problem));
    }

    [Test]
    public void Print_EventRules_CheckConfigShowsThem()
    {
        var options = Load(Head + "    parse:\n      format: logfmt\n      fields: ['*']\n    drop: ['^DEBUG']\n    redact:\n      - pattern: 'secret'\n");
        using var output = new StringWriter();

        EffectiveConfigPrinter.Print(options, output);

        Assert.That(output.ToString(), Does.Contain("    parse:\n      format: logfmt\n").And.Contain("fields: ['*']").And.Contain("drop: ['^DEBUG']").And.Contain("replace: '***'"));
    }

    private AgentOptions Load(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return ConfigLoader.LoadFile(path, _ => null);
    }
}
