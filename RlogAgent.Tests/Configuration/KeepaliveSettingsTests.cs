using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>keepalive_interval and keepalive_timeout: file, RLOG_* override, validation, --check-config, first run.</summary>
[TestFixture]
public sealed class KeepaliveSettingsTests
{
    private const string Minimal = "server_addr: http://127.0.0.1:5000\nproject_key: k\n";
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void LoadFile_NoKeepaliveKeys_DefaultsAreSixtyAndTwentySeconds()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal), _ => null);

        Assert.Multiple(() =>
        {
            Assert.That(o.KeepaliveInterval.TotalSeconds, Is.EqualTo(60).And.EqualTo(AgentOptions.DefaultKeepaliveIntervalSeconds));
            Assert.That(o.KeepaliveTimeout.TotalSeconds, Is.EqualTo(20).And.EqualTo(AgentOptions.DefaultKeepaliveTimeoutSeconds));
        });
    }

    [Test]
    public void LoadFile_KeepaliveKeys_AreRead()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal + "keepalive_interval: 300\nkeepalive_timeout: 7.5\n"), _ => null);

        Assert.Multiple(() =>
        {
            Assert.That(o.KeepaliveInterval.TotalSeconds, Is.EqualTo(300));
            Assert.That(o.KeepaliveTimeout.TotalSeconds, Is.EqualTo(7.5));
        });
    }

    [Test]
    public void LoadFile_RlogKeepaliveVariables_OverrideTheFile()
    {
        var variables = new Dictionary<string, string> { ["RLOG_KEEPALIVE_INTERVAL"] = " 120 ", ["RLOG_KEEPALIVE_TIMEOUT"] = "9" };

        var o = ConfigLoader.LoadFile(Write(Minimal + "keepalive_interval: 300\n"), v => variables.GetValueOrDefault(v));

        Assert.Multiple(() =>
        {
            Assert.That(o.KeepaliveInterval.TotalSeconds, Is.EqualTo(120));
            Assert.That(o.KeepaliveTimeout.TotalSeconds, Is.EqualTo(9));
            Assert.That(o.EnvironmentOverrides["keepalive_interval"], Is.EqualTo("RLOG_KEEPALIVE_INTERVAL"));
            Assert.That(ConfigLoader.EnvironmentOverrideVariables, Does.Contain(("keepalive_timeout", "RLOG_KEEPALIVE_TIMEOUT")));
        });
    }

    [TestCase("keepalive_interval: 0\n", "keepalive_interval", "must be from 1 to 86400, not 0")]
    [TestCase("keepalive_timeout: -1\n", "keepalive_timeout", "must be from 1 to 3600, not -1")]
    [TestCase("keepalive_interval: often\n", "keepalive_interval", "is not a number of seconds")]
    public void LoadFile_BadKeepaliveValue_ErrorNamesTheField(string yaml, string field, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Write(Minimal + yaml), _ => null));

        Assert.That(e!.Message, Does.Contain(field).And.Contain(problem));
    }

    [Test]
    public void LoadFile_BadOverride_ErrorNamesTheVariable()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Write(Minimal), v => v == "RLOG_KEEPALIVE_TIMEOUT" ? "0" : null));

        Assert.That(e!.Message, Does.Contain("keepalive_timeout (from RLOG_KEEPALIVE_TIMEOUT)").And.Contain("must be from 1 to 3600"));
    }

    [Test]
    public void Print_KeepaliveSettings_PrintedAndMarkedWhenOverridden()
    {
        var o = ConfigLoader.LoadFile(Write(Minimal + "keepalive_interval: 90\n"), v => v == "RLOG_KEEPALIVE_TIMEOUT" ? "15" : null);
        using var output = new StringWriter();

        EffectiveConfigPrinter.Print(o, output);

        var printed = output.ToString();
        var read = ConfigLoader.Parse(printed, "printed.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(printed, Does.Contain("keepalive_interval: 90\n").And.Contain("keepalive_timeout: 15    # from RLOG_KEEPALIVE_TIMEOUT"));
            Assert.That(read.KeepaliveInterval.TotalSeconds, Is.EqualTo(90));
            Assert.That(read.KeepaliveTimeout.TotalSeconds, Is.EqualTo(15));
        });
    }

    [Test]
    public void Write_FirstRun_WritesTheKeepaliveSettings()
    {
        var path = _temp.Combine("config", "agent.yaml");
        var o = new AgentOptions { ConfigPath = path, ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k", KeepaliveInterval = TimeSpan.FromSeconds(240) };

        FirstRunConfigWriter.Write(o);

        var read = ConfigLoader.LoadFile(path, _ => null);
        Assert.Multiple(() =>
        {
            Assert.That(read.KeepaliveInterval.TotalSeconds, Is.EqualTo(240));
            Assert.That(read.KeepaliveTimeout.TotalSeconds, Is.EqualTo(AgentOptions.DefaultKeepaliveTimeoutSeconds));
        });
    }

    [Test]
    public void LoadFile_SampleAgentYaml_StatesTheKeepaliveDefaults()
    {
        var sample = Path.Combine(BuildOutput.RepoRoot(), "agent.yaml");

        var o = ConfigLoader.Parse(File.ReadAllText(sample), sample);

        Assert.Multiple(() =>
        {
            Assert.That(o.KeepaliveInterval.TotalSeconds, Is.EqualTo(AgentOptions.DefaultKeepaliveIntervalSeconds));
            Assert.That(o.KeepaliveTimeout.TotalSeconds, Is.EqualTo(AgentOptions.DefaultKeepaliveTimeoutSeconds));
        });
    }

    private string Write(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
