using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>agent.yaml with ${VAR} substitution, RLOG_* overrides and the settings added for operations.</summary>
[TestFixture]
public sealed class EnvironmentOverridesTests
{
    private const string Minimal = "server_addr: http://127.0.0.1:5000\nproject_key: k\n";
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void LoadFile_NoNewKeys_OperationsSettingsHaveDefaults()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal), Environment());

        Assert.Multiple(() =>
        {
            Assert.That(o.LogLevel, Is.EqualTo(LogLevel.Information));
            Assert.That(o.LogFormat, Is.EqualTo(LogFormat.Text));
            Assert.That(o.Metrics.Enabled, Is.False);
            Assert.That(o.EnvironmentOverrides, Is.Empty);
        });
    }

    [Test]
    public void LoadFile_OperationsSettings_AreRead()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal + "log_level: debug\nlog_format: json\nmetrics:\n  listen: ':9464'\n"), Environment());

        Assert.Multiple(() =>
        {
            Assert.That(o.LogLevel, Is.EqualTo(LogLevel.Debug));
            Assert.That(o.LogFormat, Is.EqualTo(LogFormat.Json));
            Assert.That(o.Metrics.Listen, Is.EqualTo(":9464"));
        });
    }

    [TestCase("log_level: loud\n", 3, "log_level", "must be trace, debug, info (information), warn (warning), error or critical")]
    [TestCase("log_format: xml\n", 3, "log_format", "must be 'text' or 'json'")]
    [TestCase("metrics:\n  port: 9464\n", 4, "metrics.port", "unknown setting")]
    [TestCase("metrics: 9464\n", 3, "metrics", "must be a mapping of listen")]
    public void LoadFile_BadOperationsSetting_ErrorNamesFileLineAndField(string extra, int line, string field, string problem)
    {
        var path = Write(Minimal + extra);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, Environment()));

        Assert.That(e!.Message, Is.EqualTo($"{path}:{line}: {field}: " + e.Problem));
        Assert.That(e.Problem, Does.StartWith(problem));
    }

    [Test]
    public void LoadFile_BadMetricsListen_ErrorNamesField()
    {
        var path = Write(Minimal + "metrics:\n  listen: 'localhost:http'\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, Environment()));

        Assert.That(e!.Message, Does.StartWith(path + ": metrics.listen: 'localhost:http' is not host:port"));
    }

    [Test]
    public void LoadFile_Substitution_FillsValuesBeforeParsing()
    {
        var path = Write("server_addr: ${RLOG_TEST_SERVER:-http://127.0.0.1:5000}\nproject_key: '${PROJECT_KEY}'\nstate_dir: /var/lib/$${X}\n");

        var o = ConfigLoader.LoadFile(path, Environment(("PROJECT_KEY", "from-secret")));

        Assert.Multiple(() =>
        {
            Assert.That(o.ServerAddr, Is.EqualTo("http://127.0.0.1:5000"));
            Assert.That(o.ProjectKey, Is.EqualTo("from-secret"));
            Assert.That(o.StateDir, Is.EqualTo("/var/lib/${X}"));
        });
    }

    [Test]
    public void LoadFile_SubstitutedVariableUnset_ErrorNamesFileLineAndVariable()
    {
        var path = Write("server_addr: http://127.0.0.1:5000\nproject_key: ${PROJECT_KEY}\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, Environment()));

        Assert.That(e!.Message, Does.StartWith(path + ":2: ${PROJECT_KEY}: environment variable PROJECT_KEY is not set"));
    }

    [Test]
    public void LoadFile_OverrideVariables_WinOverFileAndAreRecorded()
    {
        var path = Write(Minimal + "batch_size: 10\nflush_interval: 1\n");

        var o = ConfigLoader.LoadFile(path, Environment(
            ("RLOG_BATCH_SIZE", "500"),
            ("RLOG_SERVER_ADDR", "https://logs.example:443"),
            ("RLOG_FLUSH_INTERVAL", " 2.5 "),
            ("RLOG_LOG_LEVEL", "warning"),
            ("RLOG_LOG_FORMAT", "json"),
            ("RLOG_METRICS_LISTEN", "0.0.0.0:9464"),
            ("RLOG_READ_FROM", "beginning")));

        Assert.Multiple(() =>
        {
            Assert.That(o.BatchSize, Is.EqualTo(500));
            Assert.That(o.ServerAddr, Is.EqualTo("https://logs.example:443"));
            Assert.That(o.FlushInterval.TotalSeconds, Is.EqualTo(2.5));
            Assert.That(o.LogLevel, Is.EqualTo(LogLevel.Warning));
            Assert.That(o.LogFormat, Is.EqualTo(LogFormat.Json));
            Assert.That(o.Metrics.Listen, Is.EqualTo("0.0.0.0:9464"));
            Assert.That(o.ReadFrom, Is.EqualTo(ReadFrom.Beginning));
            Assert.That(o.EnvironmentOverrides["batch_size"], Is.EqualTo("RLOG_BATCH_SIZE"));
            Assert.That(o.EnvironmentOverrides["metrics.listen"], Is.EqualTo("RLOG_METRICS_LISTEN"));
            Assert.That(o.EnvironmentOverrides, Has.Count.EqualTo(7));
        });
    }

    [Test]
    public void LoadFile_EmptyOverride_IsIgnored()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal + "batch_size: 10\n"), Environment(("RLOG_BATCH_SIZE", "")));

        Assert.That(o.BatchSize, Is.EqualTo(10));
    }

    [Test]
    public void LoadFile_OverrideNotANumber_ErrorNamesVariable()
    {
        var path = Write(Minimal);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, Environment(("RLOG_BATCH_SIZE", "lots"))));

        Assert.That(e!.Message, Is.EqualTo($"{path}: batch_size (from RLOG_BATCH_SIZE): 'lots' is not a whole number"));
    }

    [Test]
    public void LoadFile_OverrideFailsValidation_ErrorNamesVariable()
    {
        var path = Write(Minimal);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, Environment(("RLOG_FLUSH_INTERVAL", "-1"))));

        Assert.That(e!.Message, Is.EqualTo($"{path}: flush_interval (from RLOG_FLUSH_INTERVAL): must be from 0.01 to 3600, not -1"));
    }

    [Test]
    public void EnvironmentOverrideVariables_EveryScalarSetting_HasItsVariable()
    {
        var variables = ConfigLoader.EnvironmentOverrideVariables.ToDictionary(v => v.Key, v => v.Variable);

        Assert.Multiple(() =>
        {
            Assert.That(variables["batch_size"], Is.EqualTo("RLOG_BATCH_SIZE"));
            Assert.That(variables["server_addr"], Is.EqualTo("RLOG_SERVER_ADDR"));
            Assert.That(variables["project_key"], Is.EqualTo("RLOG_PROJECT_KEY"));
            Assert.That(variables["log_level"], Is.EqualTo("RLOG_LOG_LEVEL"));
            Assert.That(variables["tls.ca_file"], Is.EqualTo("RLOG_TLS_CA_FILE"));
            Assert.That(variables["metrics.listen"], Is.EqualTo("RLOG_METRICS_LISTEN"));
            Assert.That(variables.Keys, Does.Not.Contain("sources"), "lists are not scalars");
        });
    }

    [Test]
    public void EnvironmentOverrideVariables_EachOne_IsAppliedToItsSetting()
    {
        // A valid value for each kind of setting; every listed variable must change the options.
        foreach (var (key, variable) in ConfigLoader.EnvironmentOverrideVariables)
        {
            var value = key switch
            {
                "server_addr" => "http://127.0.0.2:1",
                "read_from" => "beginning",
                "log_level" => "error",
                "log_format" => "json",
                "compression" => "gzip",
                "metrics.listen" => "9999",
                "max_buffer_bytes" => "99999999",
                "max_line_bytes" => "4096",
                _ when key.StartsWith("tls.", StringComparison.Ordinal) => "/nonexistent.pem",
                _ => "7",
            };
            var o = new AgentOptions { ConfigPath = "agent.yaml" };

            ConfigLoader.ApplyEnvironmentOverrides(o, name => name == variable ? value : null);

            Assert.That(o.EnvironmentOverrides.Keys, Is.EqualTo(new[] { key }), variable);
        }
    }

    [Test]
    public void LoadOrFirstRun_NoFile_FirstRunFromServerAddrAndProjectKeyTakesOverrides()
    {
        var path = _temp.Combine("config", "agent.yaml");

        var (o, firstRun) = ConfigLoader.LoadOrFirstRun(path, Environment(
            ("SERVER_ADDR", "http://127.0.0.1:5000"), ("PROJECT_KEY", "k"), ("RLOG_BATCH_SIZE", "42")));

        Assert.Multiple(() =>
        {
            Assert.That(firstRun, Is.True);
            Assert.That(o.ServerAddr, Is.EqualTo("http://127.0.0.1:5000"));
            Assert.That(o.ProjectKey, Is.EqualTo("k"));
            Assert.That(o.BatchSize, Is.EqualTo(42));
        });
    }

    [Test]
    public void LoadOrFirstRun_NoFileNoEnvironment_ErrorSaysWhatToSet()
    {
        var path = _temp.Combine("config", "agent.yaml");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadOrFirstRun(path, Environment()));

        Assert.That(e!.Message, Does.StartWith(path).And.Contain("SERVER_ADDR").And.Contain("PROJECT_KEY"));
    }

    [Test]
    public void FirstRunConfigWriter_ValuesWithDollarsAndQuotes_ReadBackUnchanged()
    {
        var path = _temp.Combine("agent.yaml");
        var written = new AgentOptions { ConfigPath = path, ServerAddr = "http://127.0.0.1:5000", ProjectKey = "a$b${C}$$d'e" };

        FirstRunConfigWriter.Write(written);
        var read = ConfigLoader.LoadFile(path, Environment());

        Assert.That(read.ProjectKey, Is.EqualTo(written.ProjectKey));
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.TryGetValue(name, out var value) ? value : null;
    }

    private string Write(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
