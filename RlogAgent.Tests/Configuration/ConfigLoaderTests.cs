using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

[TestFixture]
public sealed class ConfigLoaderTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void LoadFile_MinimalConfig_FillsDefaults()
    {
        var path = Write("server_addr: http://127.0.0.1:5000\nproject_key: k\nsources:\n  - label: app\n    path: /var/log/app.log\n");

        var options = ConfigLoader.LoadFile(path);

        Assert.Multiple(() =>
        {
            Assert.That(options.ServerAddr, Is.EqualTo("http://127.0.0.1:5000"));
            Assert.That(options.BatchSize, Is.EqualTo(1000));
            Assert.That(options.FlushInterval.TotalSeconds, Is.EqualTo(10));
            Assert.That(options.HeartbeatInterval.TotalSeconds, Is.EqualTo(30));
            Assert.That(options.StateDir, Is.EqualTo("state"));
            Assert.That(options.ReadFrom, Is.EqualTo(ReadFrom.End));
            Assert.That(options.Sources, Has.Count.EqualTo(1));
            Assert.That(options.Sources[0].Label, Is.EqualTo("app"));
        });
    }

    [Test]
    public void LoadFile_RelativePaths_ResolveAgainstTheFilesFolder_NotTheWorkingDirectory()
    {
        var folder = _temp.Combine("etc", "rlog");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ca.pem"), "not checked here");
        var path = Path.Combine(folder, "agent.yaml");
        File.WriteAllText(path, """
            server_addr: https://logs.example:443
            project_key: k
            state_dir: ../../var/state
            tls:
              ca_file: ca.pem
            sources:
              - label: app
                path: logs/*.log
                exclude: ["*.gz"]
              - label: abs
                path: /var/log/abs.log
            """);

        var options = ConfigLoader.LoadFile(path, _ => null);
        using var printed = new StringWriter();
        EffectiveConfigPrinter.Print(options, printed);

        Assert.Multiple(() =>
        {
            Assert.That(options.StateDir, Is.EqualTo(_temp.Combine("var", "state")));
            Assert.That(options.Tls.CaFile, Is.EqualTo(Path.Combine(folder, "ca.pem")));
            Assert.That(options.Sources[0].Path, Is.EqualTo(Path.Combine(folder, "logs", "*.log")));
            Assert.That(options.Sources[0].Exclude, Is.EqualTo(new[] { "*.gz" }), "excludes stay relative to what path matches");
            Assert.That(options.Sources[1].Path, Is.EqualTo("/var/log/abs.log"));
            Assert.That(printed.ToString(), Does.Contain(_temp.Combine("var", "state")).And.Contain(Path.Combine(folder, "logs", "*.log")), "--check-config shows them resolved");
        });
    }

    [Test]
    public void LoadFile_BadRegex_TheErrorIsASentence_NotAResourceKey()
    {
        var path = Write("server_addr: http://127.0.0.1:5000\nproject_key: k\nsources:\n  - label: a\n    path: /var/log/a.log\n    drop: [\"(unclosed\"]\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(error!.Message, Does.Contain("sources[0].drop[0]").And.Contain("Not enough )'s").And.Not.Contain("InsufficientClosingParentheses"));
    }

    [Test]
    public void LoadFile_RelativeStateDirFromTheEnvironmentOrTheDefault_StaysRelativeToTheWorkingDirectory()
    {
        var path = Write("server_addr: http://127.0.0.1:5000\nproject_key: k\n");

        var fromDefault = ConfigLoader.LoadFile(path, _ => null);
        var fromEnvironment = ConfigLoader.LoadFile(path, name => name == "RLOG_STATE_DIR" ? "elsewhere" : null);

        Assert.Multiple(() =>
        {
            Assert.That(fromDefault.StateDir, Is.EqualTo("state"));
            Assert.That(fromEnvironment.StateDir, Is.EqualTo("elsewhere"));
        });
    }

    [Test]
    public void FirstRun_WrittenThenLoaded_KeepsTheSameStateFolder()
    {
        var path = _temp.Combine("config", "agent.yaml");
        var written = new AgentOptions { ConfigPath = path, ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k" };
        var before = written.StateDirFullPath;

        FirstRunConfigWriter.Write(written);
        var loaded = ConfigLoader.LoadFile(path, _ => null);

        Assert.That(loaded.StateDirFullPath, Is.EqualTo(before), "identity and checkpoints are found again at the next start");
    }

    [Test]
    public void LoadFile_AllSettings_AreRead()
    {
        var path = Write("""
            server_addr: https://logs.example:443
            project_key: secret
            batch_size: 50
            flush_interval: 2.5
            heartbeat_interval: 7
            state_dir: /tmp/s
            read_from: beginning
            poll_interval: 1
            rotate_wait: 3
            max_line_bytes: 4096
            max_open_files: 10
            commit_interval: 4
            max_unconfirmed_batches: 3
            max_buffer_bytes: 100000
            shutdown_timeout: 6
            compression: gzip
            sources:
              - label: a
                path: /var/log/*.log
                exclude: ["*.gz", "/var/log/skip.log"]
            """);

        var o = ConfigLoader.LoadFile(path);

        Assert.Multiple(() =>
        {
            Assert.That(o.BatchSize, Is.EqualTo(50));
            Assert.That(o.FlushInterval.TotalSeconds, Is.EqualTo(2.5));
            Assert.That(o.HeartbeatInterval.TotalSeconds, Is.EqualTo(7));
            Assert.That(o.StateDir, Is.EqualTo("/tmp/s"));
            Assert.That(o.ReadFrom, Is.EqualTo(ReadFrom.Beginning));
            Assert.That(o.PollInterval.TotalSeconds, Is.EqualTo(1));
            Assert.That(o.RotateWait.TotalSeconds, Is.EqualTo(3));
            Assert.That(o.MaxLineBytes, Is.EqualTo(4096));
            Assert.That(o.MaxOpenFiles, Is.EqualTo(10));
            Assert.That(o.CommitInterval.TotalSeconds, Is.EqualTo(4));
            Assert.That(o.MaxUnconfirmedBatches, Is.EqualTo(3));
            Assert.That(o.MaxBufferBytes, Is.EqualTo(100000));
            Assert.That(o.ShutdownTimeout.TotalSeconds, Is.EqualTo(6));
            Assert.That(o.Compression, Is.EqualTo("gzip"));
            Assert.That(o.Sources[0].Exclude, Is.EqualTo(new[] { "*.gz", "/var/log/skip.log" }));
        });
    }

    [Test]
    public void LoadFile_LabelLongerThanTheServerTakes_RefusedNamingTheSource()
    {
        // The server refuses a label over 1,024 characters on every line: every batch of the source was refused.
        var path = Write($"server_addr: http://x:1\nproject_key: k\nsources:\n  - label: ok\n    path: /a\n  - label: {new string('l', 1025)}\n    path: /b\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.That(error!.Field, Is.EqualTo("sources[1].label"));
        Assert.That(error.Message, Does.Contain("is 1025 characters long; the server takes at most 1024"));
    }

    [TestCase("project_key: k\nsources: []\n", "server_addr", "is required")]
    [TestCase("server_addr: ftp://x\nproject_key: k\n", "server_addr", "is not an http:// or https:// address")]
    [TestCase("server_addr: http://x:1\n", "project_key", "is required")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nbatch_size: 0\n", "batch_size", "must be from 1 to 100000, not 0")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nbatch_size: lots\n", "batch_size", "is not a whole number")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nheartbeat_interval: 1e300\n", "heartbeat_interval", "must be from 0.1 to 86400, not 1E+300")]
    [TestCase("server_addr: http://x:1\nproject_key: k\npoll_interval: 1e-9\n", "poll_interval", "must be from 0.01 to 3600, not 1E-09")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nbatch_size: 100001\n", "batch_size", "must be from 1 to 100000, not 100001")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nmax_buffer_bytes: 99999999999\n", "max_buffer_bytes", "must be at most 17179869184 (16 GiB), not 99999999999")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nflush_interval: -1\n", "flush_interval", "must be from 0.01 to 3600, not -1")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nread_from: middle\n", "read_from", "must be 'end' or 'beginning'")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nbatchsize: 5\n", "batchsize", "unknown setting")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nsources:\n  - label: a\n", "sources[0].path", "is required")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nsources:\n  - path: /x\n", "sources[0].label", "is required")]
    [TestCase("server_addr: http://x:1\nproject_key: k\nsources:\n  - label: a\n    path: /x\n    colour: red\n", "sources[0].colour", "unknown setting")]
    [TestCase("server_addr: http://x:1\nproject_key: k\ncompression: zstd\n", "compression", "must be 'none' or 'gzip'")]
    public void LoadFile_InvalidField_ErrorNamesFileFieldAndProblem(string yaml, string field, string problem)
    {
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.Multiple(() =>
        {
            Assert.That(error!.File, Is.EqualTo(path));
            Assert.That(error.Field, Is.EqualTo(field));
            Assert.That(error.Message, Does.StartWith(path));
            Assert.That(error.Message, Does.Contain(field));
            Assert.That(error.Message, Does.Contain(problem));
        });
    }

    [Test]
    public void LoadFile_BrokenYaml_ErrorNamesFileAndLine()
    {
        var path = Write("server_addr: http://x:1\nproject_key: [unclosed\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.That(error!.Message, Does.StartWith(path + ":").And.Contain("not valid YAML"));
    }

    [Test]
    public void LoadFile_UnknownKey_ErrorGivesItsLine()
    {
        var path = Write("server_addr: http://x:1\nproject_key: k\n\nflush_intervall: 3\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.That(error!.Message, Does.StartWith($"{path}:4: flush_intervall"));
    }

    [Test]
    public void LoadFile_MissingFile_ErrorNamesFile()
    {
        var path = _temp.Combine("nope.yaml");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));

        Assert.That(error!.Message, Does.StartWith(path).And.Contain("cannot read"));
    }

    [Test]
    public void FromEnvironment_BothVariables_BuildsDefaults()
    {
        var env = new Dictionary<string, string> { ["SERVER_ADDR"] = "http://h:1", ["PROJECT_KEY"] = "k" };

        var options = ConfigLoader.FromEnvironment(_temp.Combine("agent.yaml"), n => env.GetValueOrDefault(n));

        Assert.That(options, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(options!.ServerAddr, Is.EqualTo("http://h:1"));
            Assert.That(options.ProjectKey, Is.EqualTo("k"));
            Assert.That(options.BatchSize, Is.EqualTo(AgentOptions.DefaultBatchSize));
        });
    }

    [Test]
    public void FromEnvironment_MissingKey_ReturnsNull()
    {
        var env = new Dictionary<string, string> { ["SERVER_ADDR"] = "http://h:1" };

        Assert.That(ConfigLoader.FromEnvironment(_temp.Combine("agent.yaml"), n => env.GetValueOrDefault(n)), Is.Null);
    }

    [Test]
    public void FirstRunConfigWriter_WrittenFile_LoadsBackTheSameValuesWithPrivateMode()
    {
        var path = _temp.Combine("config", "agent.yaml");
        var options = new AgentOptions { ConfigPath = path, ServerAddr = "http://h:1", ProjectKey = "it's secret" };

        FirstRunConfigWriter.Write(options);
        var loaded = ConfigLoader.LoadFile(path);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.ServerAddr, Is.EqualTo("http://h:1"));
            Assert.That(loaded.ProjectKey, Is.EqualTo("it's secret"));
            Assert.That(loaded.BatchSize, Is.EqualTo(AgentOptions.DefaultBatchSize));
            Assert.That(loaded.Sources, Is.Empty);
        });
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    private string Write(string yaml)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
