using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Hosting;

namespace RlogAgent.Tests.Support;

/// <summary>
/// What every end-to-end fixture shares: a temp folder and a real server on loopback per test,
/// an agent started against it, and the checks on what the server stored.
/// </summary>
public abstract class EndToEndTest
{
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ServerStartTimeout = TimeSpan.FromSeconds(20);

    protected TempFolder Temp { get; private set; } = null!;

    protected TestServer Server { get; set; } = null!;

    [SetUp]
    public async Task StartServerAsync()
    {
        Temp = new TempFolder();
        Server = await StartTestServerAsync().WaitAsync(ServerStartTimeout);
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        await Server.DisposeAsync();
        Temp.Dispose();
    }

    /// <summary>The server each test starts with; fixtures override it to configure or instrument it.</summary>
    protected virtual Task<TestServer> StartTestServerAsync() => TestServer.StartAsync();

    /// <summary>A one-source YAML list for <see cref="StartAgent"/>.</summary>
    protected static string Source(string path, string label = "app") => $"""
          - label: {label}
            path: {path}
        """;

    protected AgentHarness StartAgent(string sources, string extra = "", ILoggerProvider? logs = null, Func<AgentOptions, ILoggerFactory, AgentRunner>? createRunner = null) =>
        AgentHarness.Start(Temp.Combine("agent.yaml"), AgentHarness.Config(Server.Address, Temp.Combine("state"), sources, extra), logs, createRunner);

    /// <summary>
    /// config/agent.yaml for the agent as a process, started in <see cref="Temp"/>: one source
    /// <c>app</c> reading <paramref name="log"/>. <paramref name="extra"/> adds top-level keys;
    /// <paramref name="sourceExtra"/> adds keys to the source, each line indented by four spaces.
    /// </summary>
    protected string WriteProcessConfig(string log, string extra = "", string sourceExtra = "")
    {
        var path = Temp.Combine("config", "agent.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            server_addr: {Server.Address}
            project_key: {TestServer.ProjectKey}
            flush_interval: 0.2
            heartbeat_interval: 0.2
            poll_interval: 0.05
            read_from: beginning
            {extra}
            sources:
              - label: app
                path: {log}
            {sourceExtra}
            """);
        return path;
    }

    protected Task WaitForLinesAsync(int count, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => Server.Store.CountLines() >= count, $"{count} lines stored (have {Server.Store.CountLines()})", timeout ?? TimeSpan.FromSeconds(40));

    protected List<string> StoredTexts() => Server.Store.ReadLines().Select(l => l.Line).ToList();

    /// <summary>Line <paramref name="i"/> of the numbered logs tests write; sorts in writing order.</summary>
    protected static string Line(int i) => $"line {i:D6}";

    protected static void Append(string path, int from, int count) =>
        File.AppendAllLines(path, Enumerable.Range(from, count).Select(Line));

    /// <summary>Lines 0 to count-1 are stored, each exactly once.</summary>
    protected void AssertExactly(int count)
    {
        var lines = StoredTexts();
        Assert.That(lines, Has.Count.EqualTo(count), "each line stored once");
        Assert.That(lines.Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(0, count).Select(Line)), "no line lost");
    }
}
