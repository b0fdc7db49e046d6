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
            Assert.That(read.FlushInterval.TotalSeconds, Is.EqualTo(2.5));
            Assert.That(read.HeartbeatInterval.TotalSeconds, Is.EqualTo(AgentOptions.DefaultHeartbeatIntervalSeconds));
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

    [Test]
    public void Print_SourceWithFormatAttributesAndMultiline_PrintsThemAndReadsBack()
    {
        var original = Load("""
            server_addr: http://127.0.0.1:5000
            project_key: k
            sources:
              - label: k8s
                path: /var/log/containers/*.log
                format: cri
                attributes:
                  cluster: prod-eu
                  cost$center: "it's 42"
                multiline:
                  start_pattern: '^\d{4}-\d{2}-\d{2} |^$$'
                  max_lines: 20
                  timeout: 0.5
              - label: app
                path: /var/log/app.log
            """);

        var printed = Print(original);
        var read = ConfigLoader.Parse(VariableSubstitution.Apply(printed, "printed.yaml", _ => null), "printed.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(printed, Does.EndWith("""
                sources:
                  - label: 'k8s'
                    path: '/var/log/containers/*.log'
                    format: cri
                    attributes:
                      'cluster': 'prod-eu'
                      'cost$$center': 'it''s 42'
                    multiline:
                      start_pattern: '^\d{4}-\d{2}-\d{2} |^$$'
                      max_lines: 20
                      timeout: 0.5
                  - label: 'app'
                    path: '/var/log/app.log'
                    format: plain

                """));
            Assert.That(read.Sources[0].Format, Is.EqualTo(SourceFormat.Cri));
            Assert.That(read.Sources[0].Attributes, Is.EqualTo(original.Sources[0].Attributes));
            Assert.That(read.Sources[0].Multiline!.StartPattern.ToString(), Is.EqualTo(@"^\d{4}-\d{2}-\d{2} |^$"));
            Assert.That(read.Sources[0].Multiline!.MaxLines, Is.EqualTo(20));
            Assert.That(read.Sources[0].Multiline!.Timeout, Is.EqualTo(TimeSpan.FromSeconds(0.5)));
            Assert.That(read.Sources[1].Format, Is.EqualTo(SourceFormat.Plain));
            Assert.That(read.Sources[1].Attributes, Is.Empty);
            Assert.That(read.Sources[1].Multiline, Is.Null);
        });
    }

    [Test]
    public void Print_Defaults_PrintsEveryScalarSettingInOrder()
    {
        var printed = Print(Load("server_addr: http://127.0.0.1:5000\nproject_key: k\n"));

        Assert.That(printed, Is.EqualTo($$"""
            # effective configuration from {{_temp.Combine("agent.yaml")}}
            server_addr: 'http://127.0.0.1:5000'
            project_key: '****'
            batch_size: 1000
            flush_interval: 10
            heartbeat_interval: 30
            state_dir: 'state'
            read_from: end
            poll_interval: 0.25
            rotate_wait: 5
            max_line_bytes: 1048576
            max_open_files: 1024
            commit_interval: 1
            max_unconfirmed_batches: 16
            max_buffer_bytes: 16777216
            shutdown_timeout: 10
            keepalive_interval: 60
            keepalive_timeout: 20
            compression: 'none'
            log_level: information
            log_format: text
            tls: {}    # system roots, no client certificate
            metrics: {}    # off
            sources: []

            """.ReplaceLineEndings("\n")));
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
