using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

[TestFixture]
public sealed class EffectiveConfigPrinterTests
{
    private const string Secret = "very-secret-project-key";
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Print_AnyConfig_MasksProjectKey()
    {
        var printed = Print(Load("server_addr: http://127.0.0.1:5000\nproject_key: " + Secret + "\n"));

        Assert.That(printed, Does.Not.Contain(Secret).And.Contain("project_key: '****'"));
    }

    [Test]
    public void Print_FullConfig_ReadsBackAsTheSameOptions()
    {
        var original = Load($"""
            server_addr: http://127.0.0.1:5000
            project_key: {Secret}
            batch_size: 50
            flush_interval: 2.5
            state_dir: /var/lib/rlog $$HOME
            read_from: beginning
            compression: gzip
            log_level: debug
            log_format: json
            metrics:
              listen: ':9464'
            sources:
              - label: "it's"
                path: /var/log/*.log
                exclude: ["*.gz", "/var/log/skip.log"]
              - label: b
                path: /tmp/b.log
            """);

        var printed = Print(original);
        var read = ConfigLoader.Parse(VariableSubstitution.Apply(printed, "printed.yaml", _ => null), "printed.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(read.ProjectKey, Is.EqualTo(EffectiveConfigPrinter.MaskedSecret));
            Assert.That(read.ServerAddr, Is.EqualTo(original.ServerAddr));
            Assert.That(read.BatchSize, Is.EqualTo(50));
            Assert.That(read.FlushInterval, Is.EqualTo(2.5));
            Assert.That(read.HeartbeatInterval, Is.EqualTo(AgentOptions.DefaultHeartbeatIntervalSeconds));
            Assert.That(read.StateDir, Is.EqualTo("/var/lib/rlog $HOME"));
            Assert.That(read.ReadFrom, Is.EqualTo(ReadFrom.Beginning));
            Assert.That(read.MaxBufferBytes, Is.EqualTo(original.MaxBufferBytes));
            Assert.That(read.Compression, Is.EqualTo("gzip"));
            Assert.That(read.LogLevel, Is.EqualTo(LogLevel.Debug));
            Assert.That(read.LogFormat, Is.EqualTo(LogFormat.Json));
            Assert.That(read.Metrics.Listen, Is.EqualTo(":9464"));
            Assert.That(read.Sources.Select(s => (s.Label, s.Path)), Is.EqualTo(new[] { ("it's", "/var/log/*.log"), ("b", "/tmp/b.log") }));
            Assert.That(read.Sources[0].Exclude, Is.EqualTo(new[] { "*.gz", "/var/log/skip.log" }));
        });
    }

    [Test]
    public void Print_MetricsOffAndNoTls_SaysSo()
    {
        var printed = Print(Load("server_addr: http://127.0.0.1:5000\nproject_key: k\n"));

        Assert.That(printed, Does.Contain("metrics: {}").And.Contain("tls: {}").And.Contain("sources: []"));
    }

    [Test]
    public void Print_OverriddenSetting_IsMarkedWithItsVariable()
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, "server_addr: http://127.0.0.1:5000\nproject_key: k\nbatch_size: 10\n");
        var options = ConfigLoader.LoadFile(path, name => name switch
        {
            "RLOG_BATCH_SIZE" => "20",
            "RLOG_PROJECT_KEY" => Secret,
            _ => null,
        });

        var printed = Print(options);

        Assert.That(printed, Does.Contain("batch_size: 20    # from RLOG_BATCH_SIZE")
            .And.Contain("project_key: '****'    # from RLOG_PROJECT_KEY")
            .And.Not.Contain(Secret));
    }

    private AgentOptions Load(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return ConfigLoader.LoadFile(path, _ => null);
    }

    private static string Print(AgentOptions options)
    {
        using var output = new StringWriter();
        EffectiveConfigPrinter.Print(options, output);
        return output.ToString();
    }
}
