using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RlogAgent.Tests.Metrics;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// What an operator touches: --check-config and its exit codes, JSON logs, the metrics endpoint
/// scraped over HTTP while lines flow to the real server.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX signals")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OperationsTests
{
    private const string Secret = "the-real-project-key";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(10);
    private TempFolder _temp = null!;
    private TestServer _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _temp = new TempFolder();
        _server = await TestServer.StartAsync(o => o.ProjectKeys = [Secret]).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task CheckConfig_ValidWithSubstitutionAndOverride_PrintsEffectiveConfigMaskedAndExitsZero()
    {
        WriteConfig("""
            server_addr: ${RLOG_TEST_SERVER:-http://127.0.0.1:5000}
            project_key: ${PROJECT_KEY}
            batch_size: 10
            sources:
              - label: app
                path: /var/log/app.log
            """);
        var env = new Dictionary<string, string> { ["PROJECT_KEY"] = Secret, ["RLOG_BATCH_SIZE"] = "77" };

        using var agent = AgentProcess.Start(_temp.Path, env, "--check-config");
        var code = await agent.WaitForExitAsync(ExitTimeout);

        Assert.That(code, Is.EqualTo(ExitCodes.Ok), agent.Output);
        Assert.That(agent.Output, Does.Contain("server_addr: 'http://127.0.0.1:5000'")
            .And.Contain("project_key: '****'")
            .And.Contain("batch_size: 77    # from RLOG_BATCH_SIZE")
            .And.Contain("path: '/var/log/app.log'")
            .And.Not.Contain(Secret));
        Assert.That(Directory.Exists(_temp.Combine("state")), Is.False, "checking starts nothing");
    }

    [Test]
    public async Task CheckConfig_OverrideNotANumber_ExitsTwoNamingTheVariable()
    {
        var path = WriteConfig($"server_addr: {_server.Address}\nproject_key: {Secret}\n");

        using var agent = AgentProcess.Start(_temp.Path, new Dictionary<string, string> { ["RLOG_BATCH_SIZE"] = "lots" }, "--check-config");
        var code = await agent.WaitForExitAsync(ExitTimeout);

        Assert.That(code, Is.EqualTo(ExitCodes.ConfigError));
        Assert.That(agent.Output, Does.Contain(path).And.Contain("RLOG_BATCH_SIZE").And.Contain("'lots' is not a whole number").And.Not.Contain(Secret));
    }

    [Test]
    public async Task CheckConfig_UnsetVariable_ExitsTwoNamingFileLineAndVariable()
    {
        var path = WriteConfig($"server_addr: {_server.Address}\nproject_key: ${{PROJECT_KEY}}\n");

        using var agent = AgentProcess.Start(_temp.Path, null, "--check-config", "--config", path);
        var code = await agent.WaitForExitAsync(ExitTimeout);

        Assert.That(code, Is.EqualTo(ExitCodes.ConfigError));
        Assert.That(agent.Output, Does.Contain(path + ":2: ${PROJECT_KEY}:"));
    }

    [Test]
    public async Task Run_LogFormatJson_EveryOutputLineIsAJsonObject()
    {
        var log = _temp.Combine("app.log");
        File.WriteAllLines(log, Enumerable.Range(1, 20).Select(i => $"line {i}"));
        WriteConfig(AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """, extra: "log_format: json", projectKey: Secret));

        using var agent = AgentProcess.Start(_temp.Path);
        await Eventually.WaitAsync(() => _server.Store.CountLines() == 20, "20 lines stored");
        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);

        var lines = agent.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Is.Not.Empty);
        var entries = new List<JsonElement>();
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            Assert.That(document.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object), line);
            entries.Add(document.RootElement.Clone());
        }

        Assert.Multiple(() =>
        {
            Assert.That(entries.All(e => e.TryGetProperty("Timestamp", out _) && e.TryGetProperty("LogLevel", out _) && e.TryGetProperty("Category", out _)), Is.True);
            Assert.That(entries.Select(e => e.GetProperty("Message").GetString()), Has.Some.StartsWith("Stopped cleanly"));
            Assert.That(agent.Output, Does.Not.Contain(Secret));
        });
    }

    [Test]
    public async Task Run_MetricsEndpoint_ScrapedDuringRunMatchesWhatTheServerStored()
    {
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "");
        var port = FreeLoopbackPort();
        await using var agent = AgentHarness.Start(_temp.Combine("agent.yaml"), AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """, extra: $"metrics: {{listen: ':{port}'}}", projectKey: Secret));
        using var http = new HttpClient { Timeout = ScrapeTimeout };
        var url = new Uri($"http://127.0.0.1:{port}/metrics");
        await Eventually.WaitAsync(() => agent.Runner.OpenFiles == 1, "the agent follows the file");

        var text = string.Join('\n', Enumerable.Range(1, 250).Select(i => $"line {i:D4} " + new string('x', 40))) + "\n";
        File.AppendAllText(log, text);
        await Eventually.WaitAsync(() => _server.Store.CountLines() == 250, "250 lines stored");
        await Eventually.WaitAsync(() => agent.Runner.Counters.BatchesUnconfirmed == 0, "nothing in flight");
        using var response = await http.GetAsync(url).WaitAsync(ScrapeTimeout);
        var body = await response.Content.ReadAsStringAsync().WaitAsync(ScrapeTimeout);
        var samples = AgentMetricsTests.ParseSamples(body);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(samples["rlog_agent_lines_confirmed_total"], Is.EqualTo(_server.Store.CountLines()));
            Assert.That(samples["rlog_agent_lines_read_total"], Is.EqualTo(250));
            Assert.That(samples["rlog_agent_lines_sent_total"], Is.GreaterThanOrEqualTo(250));
            Assert.That(samples["rlog_agent_bytes_read_total"], Is.EqualTo(text.Length), "file bytes, terminators included");
            Assert.That(samples["rlog_agent_bytes_confirmed_total"], Is.EqualTo(text.Length), "file bytes, terminators included");
            Assert.That(samples["rlog_agent_batches_confirmed_total"], Is.GreaterThanOrEqualTo(3), "batch_size 100");
            Assert.That(samples["rlog_agent_batches_sent_total"], Is.EqualTo(samples["rlog_agent_batches_confirmed_total"]));
            Assert.That(samples["rlog_agent_batches_in_flight"], Is.Zero);
            Assert.That(samples["rlog_agent_auth_registrations_total"], Is.EqualTo(_server.Store.CountRegistrations(_server.Store.AgentUuids().Single())));
            Assert.That(samples["rlog_agent_open_files"], Is.EqualTo(1));
            Assert.That(samples[$"rlog_agent_file_lag_bytes{{path=\"{log}\"}}"], Is.Zero);
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
    }

    [Test]
    public async Task Run_MetricsPortTaken_AgentShipsAnyway()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var log = _temp.Combine("app.log");
        File.WriteAllText(log, "one\ntwo\n");
        var logs = new RecordingLoggerProvider();
        await using var agent = AgentHarness.Start(_temp.Combine("agent.yaml"), AgentHarness.Config(_server.Address, _temp.Combine("state"), $"""
              - label: app
                path: {log}
            """, extra: $"metrics: {{listen: '127.0.0.1:{port}'}}", projectKey: Secret), logs);

        await Eventually.WaitAsync(() => _server.Store.CountLines() == 2, "2 lines stored");

        Assert.That(logs.Logger.Entries.Select(e => e.Message), Has.Some.StartsWith($"Cannot serve metrics on 127.0.0.1:{port}"));
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private string WriteConfig(string yaml)
    {
        var path = _temp.Combine("config", "agent.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }
}
