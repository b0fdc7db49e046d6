using System.CommandLine;
using Rlog.V1;
using RlogAgent.Tests.Server.Support;
using RlogServer.Cli;
using RlogServer.Common;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Cli;

[TestFixture]
public sealed class ServerCommandLineTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private string _folder = null!;
    private string _databasePath = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("rlog-cli-test-").FullName;
        _databasePath = Path.Combine(_folder, "rlog.db");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Invoke_NoProjectKey_ExitsNonZeroSayingHowToGiveOne()
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync("--db", _databasePath, "--urls", "http://127.0.0.1:0");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("--project-key").And.Contain(ServerCommandLine.ProjectKeysVariable));
            Assert.That(File.Exists(_databasePath), Is.False);
        });
    }

    [TestCase("--access-ttl", "0")]
    [TestCase("--refresh-ttl", "-5")]
    [TestCase("--access-ttl", "soon")]
    public async Task Invoke_BadLifetime_ExitsNonZero(string option, string value)
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync("--project-key", "k", option, value);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain(option));
        });
    }

    [Test]
    public async Task Invoke_PortTaken_OneLineSayingWhatToDoAndExit2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, _, error) = await ServerCli.InvokeAsync("--project-key", "k", "--db", _databasePath, "--urls", $"http://127.0.0.1:{port}");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ServerCommandLine.UsageErrorExitCode));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
            Assert.That(error, Does.Contain($"port {port} is already in use").And.Contain("choose another port"));
        });
    }

    [Test]
    public async Task Invoke_UnknownOption_ExitsNonZero()
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync("--project-key", "k", "--colour", "blue");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("--colour"));
        });
    }

    [Test]
    public async Task Invoke_HttpsUrl_ExitsNonZeroNamingTheUrl()
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync(
            "--project-key", "k", "--db", _databasePath, "--urls", "https://127.0.0.1:0");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("https://127.0.0.1:0"));
        });
    }

    [Test]
    public async Task Stats_DatabaseWithLines_PrintsAgentsLinesHeartbeatsAndLabels()
    {
        await FillDatabaseAsync();

        var (exitCode, output, _) = await ServerCli.InvokeAsync("stats", "--db", _databasePath);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(output, Does.Match(@"agents\s+1\b"));
            Assert.That(output, Does.Match(@"lines\s+5\b"));
            Assert.That(output, Does.Match(@"heartbeats\s+1\b"));
            Assert.That(output, Does.Match(@"app\s+3\b"));
            Assert.That(output, Does.Match(@"nginx\s+2\b"));
        });
    }

    [Test]
    public async Task Stats_MissingDatabase_ExitsNonZeroWithoutCreatingIt()
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync("stats", "--db", _databasePath);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain(_databasePath));
            Assert.That(File.Exists(_databasePath), Is.False);
        });
    }

    [Test]
    public async Task Tail_TwoOfFiveLines_PrintsLastTwoWithLabels()
    {
        var batches = await FillDatabaseAsync();
        var expected = batches.SelectMany(batch => batch.Logs).TakeLast(2).Select(log => $"{TimeText.Rfc3339(log.Timestamp.ToDateTimeOffset())} host [{log.Label}] {log.Line}");

        var (exitCode, output, _) = await ServerCli.InvokeAsync("tail", "--db", _databasePath, "-n", "2");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Is.EqualTo(expected));
        });
    }

    [TestCase("-1")]
    [TestCase("many")]
    public async Task Tail_BadCount_ExitsNonZero(string count)
    {
        await FillDatabaseAsync();

        var (exitCode, output, error) = await ServerCli.InvokeAsync("tail", "--db", _databasePath, "-n", count);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(error, Does.Contain("-n"));
            Assert.That(output, Does.Not.Contain("[app]"));
        });
    }

    [TestCase("--retention", "forever")]
    [TestCase("--metrics-listen", "nowhere")]
    public async Task Invoke_BadRetentionOrMetricsAddress_ExitsWithUsageErrorNamingTheOption(string option, string value)
    {
        var (exitCode, _, error) = await ServerCli.InvokeAsync("--project-key", "k", "--db", _databasePath, option, value);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ServerCommandLine.UsageErrorExitCode));
            Assert.That(error, Does.Contain(option));
            Assert.That(File.Exists(_databasePath), Is.False);
        });
    }

    [Test]
    public async Task Invoke_RetentionFromEnvironmentMalformed_ExitsWithUsageErrorNamingIt()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ServerCommandLine.Create(name => name == ServerCommandLine.RetentionVariable ? "soon" : null)
            .Parse(["--project-key", "k", "--db", _databasePath])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error })
            .WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ServerCommandLine.UsageErrorExitCode));
            Assert.That(error.ToString(), Does.Contain("'soon'"));
        });
    }

    [TestCase("7d", 7 * 24)]
    [TestCase("12h", 12)]
    [TestCase("2w", 14 * 24)]
    public void DurationText_TryParse_UnitsRead(string text, int hours)
    {
        Assert.That(DurationText.TryParse(text, out var duration), Is.True);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromHours(hours)));
    }

    [Test]
    public void CollectProjectKeys_ArgumentsAndEnvironment_MergedWithoutBlanksOrRepeats()
    {
        var keys = ServerCommandLine.CollectProjectKeys(["a", "b"], " b, c ,, ");

        Assert.That(keys, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    private async Task<LogBatch[]> FillDatabaseAsync()
    {
        var batches = new[] { LogBatches.Lines("file-1", 2, label: "nginx"), LogBatches.Lines("file-2", 3, label: "app") };
        using var store = new LogStore(_databasePath);
        await store.Agents.RecordRegistrationAsync(AgentUuid, "host", "linux", "1", DateTimeOffset.UtcNow).WaitAsync(Timeout);
        foreach (var batch in batches)
        {
            await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        }

        await store.RecordHeartbeatAsync(AgentUuid, new HeartbeatRequest { Cpu = 1 }, DateTimeOffset.UtcNow).WaitAsync(Timeout);
        return batches;
    }

    [Test]
    public async Task UnknownArgument_OneLineAndTheCommandsUsage_Exit2()
    {
        var (rootExit, _, rootError) = await ServerCli.InvokeAsProgramAsync("--bogus");
        var (queryExit, _, queryError) = await ServerCli.InvokeAsProgramAsync("query", "--db", "x.db", "--colour", "red");

        Assert.Multiple(() =>
        {
            Assert.That(rootExit, Is.EqualTo(2));
            Assert.That(rootError, Does.Contain("rlog-server: ").And.Contain("'--bogus'"));
            Assert.That(rootError, Does.Contain("Usage: rlog-server [command] [options]"));
            Assert.That(rootError, Does.Not.Contain("Description:"), "not the whole help");
            Assert.That(rootError.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.LessThanOrEqualTo(3));
            Assert.That(queryExit, Is.EqualTo(2));
            Assert.That(queryError, Does.Contain("Usage: rlog-server query [options]"));
        });
    }

    [Test]
    public async Task CheckConfig_Valid_PrintsTheEffectiveSettingsWithSecretsMasked_Exit0()
    {
        var (exitCode, output, error) = await ServerCli.InvokeAsProgramAsync(
            "--check-config", "--project-key", "pk-secret-1", "--db", "postgresql://rlog:pw-secret@db.example:5432/rlog",
            "--console-listen", "127.0.0.1:8080", "--viewer-keys", "vk-secret-1", "--retention", "7d", "--agent-late", "45s");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Does.Contain("console listen  127.0.0.1:8080"));
            Assert.That(output, Does.Contain("retention       7 days"));
            Assert.That(output, Does.Contain("agent late      45 s"));
            Assert.That(output, Does.Contain("db.example"));
            Assert.That(output, Does.Not.Contain("pk-secret-1").And.Not.Contain("vk-secret-1").And.Not.Contain("pw-secret"));
        });
    }

    [TestCase("--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem", "--tls-cert")]
    [TestCase("--agent-late", "soon", "--db", "x.db", "--agent-late")]
    [TestCase("--console-listen", "127.0.0.1:8080", "--db", "x.db", "--viewer-keys")]
    [TestCase("--urls", "https://127.0.0.1:5000", "--db", "x.db", "--urls")]
    public async Task CheckConfig_Invalid_NamesTheFlag_Exit2(string flag1, string value1, string flag2, string value2, string named)
    {
        var (exitCode, output, error) = await ServerCli.InvokeAsProgramAsync("--check-config", "--project-key", "k", flag1, value1, flag2, value2);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error, Does.StartWith("rlog-server: " + named));
            Assert.That(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "one line");
            Assert.That(output, Is.Empty);
        });
    }
}
