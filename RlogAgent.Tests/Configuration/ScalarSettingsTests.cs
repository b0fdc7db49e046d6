using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>
/// Every key of the settings table, through the public ways in: the file, its <c>RLOG_*</c> variable,
/// <c>--check-config</c> and validation. A key added to the table without a row here fails
/// <see cref="All_EveryKey_HasATestCase"/>.
/// </summary>
[TestFixture]
public sealed class ScalarSettingsTests
{
    /// <summary>Stands for a PEM file that exists (made per test): the tls keys check it.</summary>
    private const string ExistingFile = "{file}";

    // Https, so the tls keys are allowed; every other row works with it as well.
    private const string Base = "server_addr: https://127.0.0.1:5000\nproject_key: k\n";

    private static readonly SettingCase[] Cases =
    [
        new("server_addr", "http://10.0.0.1:7000", "'http://10.0.0.1:7000'", "ftp://x", "'ftp://x' is not an http:// or https:// address with a host"),
        new("project_key", "s3cret", "'****'", "''", "is required"),
        new("batch_size", "50", "50", "lots", "'lots' is not a whole number"),
        new("flush_interval", "2.5", "2.5", "-1", "must be from 0.01 to 3600, not -1"),
        new("heartbeat_interval", "7", "7", "soon", "'soon' is not a number of seconds or a duration such as 500ms, 5s, 10m, 2h, 7d"),
        new("state_dir", "/tmp/s", "'/tmp/s'", "' '", "must not be empty"),
        new("read_from", "beginning", "beginning", "middle", "must be 'end' or 'beginning', not 'middle'"),
        new("poll_interval", "1", "1", "1e-9", "must be from 0.01 to 3600, not 1E-09"),
        new("rotate_wait", "0", "0", "-1", "must be from 0 to 86400, not -1"),
        new("max_line_bytes", "4096", "4096", "100", "must be from 256 to 4194304 (4 MiB, the message limit), not 100"),
        new("max_open_files", "10", "10", "-3", "must be from 1 to 1048576, not -3"),
        new("commit_interval", "4", "4", "0", "must be from 0.01 to 3600, not 0"),
        new("max_unconfirmed_batches", "3", "3", "0", "must be from 1 to 10000, not 0"),
        new("max_buffer_bytes", "99999999", "99999999", "1000", "must be at least twice max_line_bytes (2097152), not 1000"),
        new("shutdown_timeout", "6", "6", "0", "must be from 0.1 to 3600, not 0"),
        new("keepalive_interval", "300", "300", "0", "must be from 1 to 86400, not 0"),
        new("keepalive_timeout", "7.5", "7.5", "-2", "must be from 1 to 3600, not -2"),
        new("compression", "gzip", "'gzip'", "zstd", "must be 'none' or 'gzip', not 'zstd'"),
        new("log_level", "warn", "warning", "loud", "must be trace, debug, info (information), warn (warning), error or critical (fatal), not 'loud'"),
        new("log_format", "json", "json", "xml", "must be 'text' or 'json', not 'xml'"),
        new("tls.ca_file", ExistingFile, $"'{ExistingFile}'", "/nonexistent/ca.pem", "no such file: /nonexistent/ca.pem"),
        new("tls.cert_file", ExistingFile, $"'{ExistingFile}'", "/nonexistent/agent.pem", "no such file: /nonexistent/agent.pem", "tls.key_file"),
        new("tls.key_file", ExistingFile, $"'{ExistingFile}'", "/nonexistent/agent.key", "no such file: /nonexistent/agent.key", "tls.cert_file"),
        new("metrics.listen", "':9464'", "':9464'", "localhost:http", "'localhost:http' is not host:port, :port or a port (1-65535)"),
    ];

    private TempFolder _temp = null!;
    private string _pem = null!;

    public static IEnumerable<TestCaseData> Rows => Cases.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Key));

    // An override that is empty after trimming is ignored, so a row whose bad value is blank is not one.
    public static IEnumerable<TestCaseData> RowsWithInvalidVariable =>
        Cases.Where(c => Unquote(c.Invalid).Trim().Length > 0).Select(c => new TestCaseData(c).SetArgDisplayNames(c.Key));

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _pem = _temp.Combine("file.pem");
        File.WriteAllText(_pem, "not checked here");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void All_EveryKey_HasATestCase()
    {
        Assert.That(Cases.Select(c => c.Key), Is.EqualTo(ScalarSettings.All.Select(s => s.Key)));
    }

    [Test]
    public void All_Keys_AreUniqueAndTheirVariablesFollowTheRule()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ScalarSettings.All.Select(s => s.Key), Is.Unique);
            foreach (var setting in ScalarSettings.All)
            {
                Assert.That(setting.EnvironmentVariable, Is.EqualTo("RLOG_" + setting.Key.Replace('.', '_').ToUpperInvariant()));
            }
        });
    }

    [TestCaseSource(nameof(Rows))]
    public void LoadFile_ValidValue_IsReadAndPrintedBack(SettingCase row)
    {
        var options = ConfigLoader.LoadFile(Write(Yaml(row, (row.Key, Fill(row.Valid)))), _ => null);

        var printed = Print(options);

        Assert.Multiple(() =>
        {
            Assert.That(printed, Does.Contain($"\n{PrintedLine(row)}\n"));
            Assert.That(options.EnvironmentOverrides, Is.Empty);
        });
    }

    [TestCaseSource(nameof(Rows))]
    public void LoadFile_ValueFromVariable_IsAppliedAndPrintedWithItsVariable(SettingCase row)
    {
        var variable = VariableOf(row.Key);
        var options = ConfigLoader.LoadFile(Write(Yaml(row)), name => name == variable ? " " + Fill(Unquote(row.Valid)) + "\n" : null);

        var printed = Print(options);

        Assert.Multiple(() =>
        {
            Assert.That(printed, Does.Contain($"\n{PrintedLine(row)}    # from {variable}\n"));
            Assert.That(options.EnvironmentOverrides, Is.EqualTo(new Dictionary<string, string> { [row.Key] = variable }));
        });
    }

    [TestCaseSource(nameof(Rows))]
    public void LoadFile_InvalidValue_ErrorNamesFileFieldAndProblem(SettingCase row)
    {
        var path = Write(Yaml(row, (row.Key, row.Invalid)));

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo(path));
            Assert.That(e.Field, Is.EqualTo(row.Key));
            Assert.That(e.Problem, Is.EqualTo(row.Problem));
            Assert.That(e.Message, Does.StartWith(path).And.EndWith($": {row.Key}: {row.Problem}"));
        });
    }

    [TestCaseSource(nameof(RowsWithInvalidVariable))]
    public void LoadFile_InvalidValueFromVariable_ErrorNamesTheVariable(SettingCase row)
    {
        var path = Write(Yaml(row));
        var variable = VariableOf(row.Key);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, name => name == variable ? Unquote(row.Invalid) : null));

        Assert.That(e!.Message, Is.EqualTo($"{path}: {row.Key} (from {variable}): {row.Problem}"));
    }

    private static string VariableOf(string key) =>
        ConfigLoader.EnvironmentOverrideVariables.Single(v => v.Key == key).Variable;

    private static string Unquote(string yamlScalar) =>
        yamlScalar.StartsWith('\'') ? yamlScalar[1..^1] : yamlScalar;

    private static string Print(AgentOptions options)
    {
        using var output = new StringWriter();
        EffectiveConfigPrinter.Print(options, output);
        return output.ToString();
    }

    private string PrintedLine(SettingCase row)
    {
        var dot = row.Key.IndexOf('.', StringComparison.Ordinal);
        var name = dot < 0 ? row.Key : "  " + row.Key[(dot + 1)..];
        return $"{name}: {Fill(row.Printed)}";
    }

    private string Fill(string text) => text.Replace(ExistingFile, _pem, StringComparison.Ordinal);

    /// <summary>agent.yaml with <see cref="Base"/>, the row's companion key, and the given keys, sections nested.</summary>
    private string Yaml(SettingCase row, params (string Key, string Value)[] settings)
    {
        var all = settings.ToList();
        if (row.Companion is not null)
        {
            all.Add((row.Companion, Fill(ExistingFile)));
        }

        // server_addr and project_key are in Base; a row for one of them replaces it.
        var text = string.Concat(Base.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !all.Any(s => line.StartsWith(s.Key + ":", StringComparison.Ordinal)))
            .Select(line => line + "\n"));
        foreach (var (key, value) in all.Where(s => !s.Key.Contains('.', StringComparison.Ordinal)))
        {
            text += $"{key}: {value}\n";
        }

        foreach (var section in all.Where(s => s.Key.Contains('.', StringComparison.Ordinal)).GroupBy(s => s.Key.Split('.')[0]))
        {
            text += $"{section.Key}:\n" + string.Concat(section.Select(s => $"  {s.Key.Split('.')[1]}: {s.Value}\n"));
        }

        return text;
    }

    private string Write(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>
    /// One key: a valid value as written in YAML, how <c>--check-config</c> prints it, an invalid
    /// value and the problem it gets; <paramref name="Companion"/> is a key the row needs set too.
    /// </summary>
    public sealed record SettingCase(string Key, string Valid, string Printed, string Invalid, string Problem, string? Companion = null);
}
