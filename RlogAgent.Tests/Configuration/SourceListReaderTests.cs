using System.Text.RegularExpressions;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>A source's format, attributes and multiline keys in agent.yaml: each valid form, each error with its line.</summary>
[TestFixture]
public sealed class SourceListReaderTests
{
    // Lines 1-5; a source's further keys start on line 6.
    private const string Head = "server_addr: http://127.0.0.1:5000\nproject_key: k\nsources:\n  - label: k8s\n    path: /var/log/containers/*.log\n";

    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void LoadFile_NoNewKeys_SourceHasDefaults()
    {
        var source = Load(Head).Sources[0];

        Assert.Multiple(() =>
        {
            Assert.That(source.Format, Is.EqualTo(SourceFormat.Plain).And.EqualTo(SourceOptions.DefaultFormat));
            Assert.That(source.Attributes, Is.Empty);
            Assert.That(source.Multiline, Is.Null);
        });
    }

    [TestCase("plain", SourceFormat.Plain)]
    [TestCase("cri", SourceFormat.Cri)]
    [TestCase("docker", SourceFormat.Docker)]
    public void LoadFile_Format_IsRead(string name, SourceFormat expected)
    {
        Assert.That(Load(Head + $"    format: {name}\n").Sources[0].Format, Is.EqualTo(expected));
    }

    [Test]
    public void LoadFile_Attributes_KeptInFileOrderAsStrings()
    {
        var source = Load(Head + "    attributes:\n      zone: b\n      cluster: prod-eu\n      replicas: 3\n      empty: ''\n      'k8s.node': \"n1\"\n").Sources[0];

        Assert.That(source.Attributes, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("zone", "b"), new("cluster", "prod-eu"), new("replicas", "3"), new("empty", ""), new("k8s.node", "n1"),
        }));
    }

    [TestCase("    attributes:\n")]
    [TestCase("    attributes: {}\n")]
    public void LoadFile_AttributesEmpty_None(string yaml)
    {
        Assert.That(Load(Head + yaml).Sources[0].Attributes, Is.Empty);
    }

    [Test]
    public void LoadFile_AttributesAtTheLimit_Accepted()
    {
        var names = Enumerable.Range(0, SourceOptions.MaxAttributes).Select(i => $"      {new string('n', SourceOptions.MaxAttributeNameBytes - 3)}{i:000}: {new string('v', SourceOptions.MaxAttributeValueBytes)}\n");

        var source = Load(Head + "    attributes:\n" + string.Concat(names)).Sources[0];

        Assert.That(source.Attributes, Has.Count.EqualTo(SourceOptions.MaxAttributes));
    }

    [Test]
    public void LoadFile_Multiline_IsReadAndCompiledAtLoad()
    {
        var source = Load(Head + "    format: cri\n    multiline:\n      start_pattern: '^\\d{4}-\\d{2}-\\d{2} '\n      max_lines: 20\n      timeout: 0.5\n").Sources[0];

        var multiline = source.Multiline!;
        Assert.Multiple(() =>
        {
            Assert.That(multiline.StartPattern.ToString(), Is.EqualTo(@"^\d{4}-\d{2}-\d{2} "));
            Assert.That(multiline.StartPattern.IsMatch("2026-11-28 07:00:00 INFO up"), Is.True);
            Assert.That(multiline.StartPattern.IsMatch("\tat com.example.Main"), Is.False);
            Assert.That(multiline.StartPattern.MatchTimeout, Is.EqualTo(MultilineOptions.MatchTimeout));
            Assert.That(multiline.StartPattern.Options.HasFlag(RegexOptions.CultureInvariant), Is.True);
            Assert.That(multiline.MaxLines, Is.EqualTo(20));
            Assert.That(multiline.Timeout, Is.EqualTo(TimeSpan.FromSeconds(0.5)));
        });
    }

    [Test]
    public void LoadFile_MultilineWithOnlyStartPattern_TakesTheDefaults()
    {
        var multiline = Load(Head + "    multiline:\n      start_pattern: ^\\S\n").Sources[0].Multiline!;

        Assert.Multiple(() =>
        {
            Assert.That(multiline.StartPattern.ToString(), Is.EqualTo(@"^\S"));
            Assert.That(multiline.MaxLines, Is.EqualTo(MultilineOptions.DefaultMaxLines).And.EqualTo(500));
            Assert.That(multiline.Timeout, Is.EqualTo(MultilineOptions.DefaultTimeout).And.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void LoadFile_ReadmeExample_IsRead()
    {
        var source = Load("""
            server_addr: http://127.0.0.1:5000
            project_key: k
            sources:
              - label: k8s
                path: /var/log/containers/*.log
                format: cri              # plain (default) | cri | docker
                attributes:              # static key/values added to every event of this source
                  cluster: prod-eu
                multiline:
                  start_pattern: '^\d{4}-\d{2}-\d{2} '   # a line matching it starts a new event; others continue the current one
                  max_lines: 500         # an event is cut after this many lines (default 500)
                  timeout: 1             # seconds: an event with no next line goes out after this (default 1)
            """).Sources[0];

        Assert.Multiple(() =>
        {
            Assert.That(source.Format, Is.EqualTo(SourceFormat.Cri));
            Assert.That(source.Attributes, Is.EqualTo(new KeyValuePair<string, string>[] { new("cluster", "prod-eu") }));
            Assert.That(source.Multiline!.StartPattern.ToString(), Is.EqualTo(@"^\d{4}-\d{2}-\d{2} "));
            Assert.That(source.Multiline.MaxLines, Is.EqualTo(500));
            Assert.That(source.Multiline.Timeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void Parse_SampleAgentYamlContainerSourceUncommented_IsRead()
    {
        var sample = File.ReadAllLines(Path.Combine(BuildOutput.RepoRoot(), "agent.yaml"));
        var start = Array.FindIndex(sample, l => l.StartsWith("  # - label: k8s", StringComparison.Ordinal));
        var uncommented = sample.Select((l, i) => i >= start && l.StartsWith("  # ", StringComparison.Ordinal) ? "  " + l[4..] : l);

        var source = ConfigLoader.Parse(string.Join('\n', uncommented), "agent.yaml").Sources.Single(s => s.Label == "k8s");

        Assert.Multiple(() =>
        {
            Assert.That(start, Is.GreaterThan(0));
            Assert.That(source.Format, Is.EqualTo(SourceFormat.Cri));
            Assert.That(source.Attributes, Is.EqualTo(new KeyValuePair<string, string>[] { new("cluster", "prod-eu") }));
            Assert.That(source.Multiline!.StartPattern.ToString(), Is.EqualTo(@"^\d{4}-\d{2}-\d{2} "));
        });
    }

    [Test]
    public void Parse_SampleAgentYamlEventRulesUncommented_IsRead()
    {
        var sample = File.ReadAllLines(Path.Combine(BuildOutput.RepoRoot(), "agent.yaml"));
        var start = Array.FindIndex(sample, l => l.StartsWith("  # - label: api", StringComparison.Ordinal));
        var end = Array.FindIndex(sample, start, l => l.StartsWith("  # Container logs", StringComparison.Ordinal));
        var uncommented = sample.Select((l, i) => i >= start && i < end && l.StartsWith("  # ", StringComparison.Ordinal) ? "  " + l[4..] : l);

        var source = ConfigLoader.Parse(string.Join('\n', uncommented), "agent.yaml").Sources.Single(s => s.Label == "api");

        Assert.Multiple(() =>
        {
            Assert.That(start, Is.GreaterThan(0));
            Assert.That(source.Parse!.Format, Is.EqualTo(ParseFormat.Json));
            Assert.That(source.Parse.Fields, Is.EqualTo(new[] { "user_id", "trace_id" }));
            Assert.That(source.Drop, Has.Count.EqualTo(1));
            Assert.That(source.Redact.Single().Replace, Is.EqualTo("$1=***"));
        });
    }

    [TestCase("    format: json\n", 6, "sources[0].format", "must be 'plain', 'cri' or 'docker', not 'json'")]
    [TestCase("    format: CRI\n", 6, "sources[0].format", "must be 'plain', 'cri' or 'docker', not 'CRI'")]
    [TestCase("    format: [cri]\n", 6, "sources[0].format", "must be a single value")]
    [TestCase("    colour: red\n", 6, "sources[0].colour", "unknown setting")]
    [TestCase("    attributes: prod\n", 6, "sources[0].attributes", "must be a mapping of names to values")]
    [TestCase("    attributes:\n      - cluster\n", 7, "sources[0].attributes", "must be a mapping of names to values")]
    [TestCase("    attributes:\n      cluster: prod\n      '': x\n", 8, "sources[0].attributes", "attribute 2 has an empty name")]
    [TestCase("    attributes:\n      ' ': x\n", 7, "sources[0].attributes", "attribute 1 has an empty name")]
    [TestCase("    attributes:\n      cluster:\n        name: prod\n", 8, "sources[0].attributes.cluster", "must be a single value")]
    [TestCase("    attributes:\n      cluster: [a, b]\n", 7, "sources[0].attributes.cluster", "must be a single value")]
    [TestCase("    multiline: yes\n", 6, "sources[0].multiline", "must be a mapping of start_pattern, max_lines and timeout")]
    [TestCase("    multiline:\n", 6, "sources[0].multiline.start_pattern", "is required")]
    [TestCase("    multiline:\n      max_lines: 5\n", 7, "sources[0].multiline.start_pattern", "is required")]
    [TestCase("    multiline:\n      start_pattern: ''\n", 7, "sources[0].multiline.start_pattern", "is required")]
    [TestCase("    multiline:\n      start_pattern: [a]\n", 7, "sources[0].multiline.start_pattern", "must be a single value")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      max_lines: 0\n", 8, "sources[0].multiline.max_lines", "must be at least 1, not 0")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      max_lines: many\n", 8, "sources[0].multiline.max_lines", "'many' is not a whole number")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      timeout: 0\n", 8, "sources[0].multiline.timeout", "must be greater than 0, not 0")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      timeout: -1\n", 8, "sources[0].multiline.timeout", "must be greater than 0, not -1")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      timeout: 0.0001\n", 8, "sources[0].multiline.timeout", "must be at least 0.001 (1 ms), not 0.0001")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      timeout: 7200\n", 8, "sources[0].multiline.timeout", "must be at most 3600 (1 hour), not 7200")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      timeout: soon\n", 8, "sources[0].multiline.timeout", "'soon' is not a number of seconds or a duration such as 500ms, 5s, 10m, 2h, 7d")]
    [TestCase("    multiline:\n      start_pattern: ^x\n      max_line: 5\n", 8, "sources[0].multiline.max_line", "unknown setting")]
    public void LoadFile_BadSourceKey_ErrorNamesFileLineFieldAndProblem(string yaml, int line, string field, string problem)
    {
        var path = Write(Head + yaml);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:{line}: {field}: {problem}"));
    }

    [Test]
    public void LoadFile_BadKeyInSecondSource_ErrorNamesItsIndex()
    {
        var path = Write(Head + "  - label: b\n    path: /b.log\n    format: syslog\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:8: sources[1].format: must be 'plain', 'cri' or 'docker', not 'syslog'"));
    }

    [Test]
    public void LoadFile_InvalidStartPattern_ErrorNamesFileLineFieldAndRegexError()
    {
        var path = Write(Head + "    multiline:\n      start_pattern: '^(\\d+'\n");
        var regexError = Assert.Throws<RegexParseException>(() => MultilineOptions.CompileStartPattern(@"^(\d+"))!.Message;

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:7: sources[0].multiline.start_pattern: '^(\\d+' is not a valid regular expression: {regexError}"));
    }

    [Test]
    public void LoadFile_TooManyAttributes_ErrorNamesTheLimit()
    {
        var names = Enumerable.Range(0, SourceOptions.MaxAttributes + 1).Select(i => $"      a{i}: v\n");
        var path = Write(Head + "    attributes:\n" + string.Concat(names));

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:7: sources[0].attributes: has 65 attributes; at most 64 are allowed"));
    }

    [Test]
    public void LoadFile_AttributeNameTooLong_ErrorNamesTheAttribute()
    {
        // 43 three-byte characters: 129 bytes of UTF-8, though only 43 characters.
        var name = new string('€', 43);
        var path = Write(Head + $"    attributes:\n      {name}: v\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:7: sources[0].attributes.{name}: the name is longer than 128 bytes"));
    }

    [Test]
    public void LoadFile_AttributeValueTooLong_ErrorNamesTheAttribute()
    {
        var path = Write(Head + $"    attributes:\n      cluster: {new string('v', SourceOptions.MaxAttributeValueBytes + 1)}\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Is.EqualTo($"{path}:7: sources[0].attributes.cluster: the value is longer than 256 bytes"));
    }

    [Test]
    public void LoadFile_AttributeNameTwice_ErrorGivesTheLine()
    {
        var path = Write(Head + "    attributes:\n      cluster: a\n      cluster: b\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Does.StartWith($"{path}:8: not valid YAML"));
    }

    private AgentOptions Load(string yaml) => ConfigLoader.LoadFile(Write(yaml), _ => null);

    private string Write(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
