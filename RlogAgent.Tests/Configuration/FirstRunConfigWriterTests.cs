using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>The first-run agent.yaml, written from the settings table's first-run entries.</summary>
[TestFixture]
public sealed class FirstRunConfigWriterTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Write_Defaults_WritesTheFirstRunSettingsCommentedAndAligned()
    {
        var path = _temp.Combine("config", "agent.yaml");

        FirstRunConfigWriter.Write(new AgentOptions { ConfigPath = path, ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k" });

        // The state folder absolute: the next start reads relative paths against the file's folder.
        Assert.That(File.ReadAllText(path), Is.EqualTo($$"""
            # rlog-agent configuration, written at first run. See docs/configuration.md.
            server_addr: 'http://127.0.0.1:5000'
            project_key: 'k'
            batch_size: 1000
            flush_interval: 10        # seconds
            heartbeat_interval: 30    # seconds
            state_dir: '{{Path.GetFullPath("state")}}'
            read_from: end
            # HTTP/2 keepalive pings, only while a call is open (servers refuse frequent pings).
            keepalive_interval: 60    # seconds
            keepalive_timeout: 20     # seconds
            # Files to ship, for example:
            #   - label: app
            #     path: /var/log/app/*.log
            sources: []

            """.ReplaceLineEndings(Environment.NewLine)));
    }

    [Test]
    public void Write_Overrides_WritesTheValuesTheAgentRunsWith()
    {
        var path = _temp.Combine("agent.yaml");
        var options = ConfigLoader.FromEnvironment(path, name => name switch
        {
            "SERVER_ADDR" => "http://127.0.0.1:5000",
            "PROJECT_KEY" => "k",
            "RLOG_BATCH_SIZE" => "42",
            "RLOG_READ_FROM" => "beginning",
            "RLOG_HEARTBEAT_INTERVAL" => "2.5",
            _ => null,
        })!;

        FirstRunConfigWriter.Write(options);
        var read = ConfigLoader.LoadFile(path, _ => null);

        Assert.Multiple(() =>
        {
            Assert.That(read.BatchSize, Is.EqualTo(42));
            Assert.That(read.ReadFrom, Is.EqualTo(ReadFrom.Beginning));
            Assert.That(read.HeartbeatInterval.TotalSeconds, Is.EqualTo(2.5));
            Assert.That(File.ReadAllText(path), Does.Contain("heartbeat_interval: 2.5   # seconds"));
        });
    }

    [Test]
    public void Write_SettingsMarkedForTheFirstRun_AreTheOnesWritten()
    {
        var path = _temp.Combine("agent.yaml");

        FirstRunConfigWriter.Write(new AgentOptions { ConfigPath = path, ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k" });

        var keys = File.ReadAllLines(path).Where(l => l.Length > 0 && l[0] != '#' && l[0] != ' ').Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]);
        Assert.That(keys, Is.EqualTo(ScalarSettings.All.Where(s => s.WrittenAtFirstRun).Select(s => s.Key).Append("sources")));
    }
}
