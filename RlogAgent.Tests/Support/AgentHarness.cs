using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Hosting;

namespace RlogAgent.Tests.Support;

/// <summary>
/// Runs the agent in this process (the same runner the executable uses) against a test server,
/// with its config, state and log files in a temp folder.
/// </summary>
public sealed class AgentHarness : IAsyncDisposable
{
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers;

    private AgentHarness(AgentOptions options, ILoggerFactory loggers, AgentRunner runner)
    {
        Options = options;
        _loggers = loggers;
        Runner = runner;
        Run = Task.Run(() => runner.RunAsync(_stop.Token));
    }

    public AgentOptions Options { get; }

    public AgentRunner Runner { get; }

    /// <summary>The agent's run; completes with its exit code.</summary>
    public Task<int> Run { get; }

    /// <summary>
    /// The YAML every test agent starts from: fast flushes and polls so tests finish quickly.
    /// <paramref name="extra"/> adds keys; <paramref name="sources"/> is the YAML list of sources.
    /// </summary>
    public static string Config(Uri server, string stateDir, string sources, string extra = "", string projectKey = TestServer.ProjectKey)
    {
        // A key the test sets in extra replaces the default: YAML refuses a key given twice.
        var defaults = new[] { "batch_size: 100", "flush_interval: 0.2", "heartbeat_interval: 1", "poll_interval: 0.05", "rotate_wait: 0.5", "read_from: beginning" }
            .Where(d => !extra.Contains(d[..(d.IndexOf(':') + 1)], StringComparison.Ordinal));
        return $"""
            server_addr: {server}
            project_key: {projectKey}
            state_dir: {stateDir}
            {string.Join("\n", defaults)}
            {extra}
            sources:
            {sources}
            """;
    }

    /// <summary>
    /// Starts the agent in this process. <paramref name="createRunner"/> builds the runner (to set
    /// test seams such as a failing source reader); the default is the executable's runner.
    /// </summary>
    public static AgentHarness Start(string configPath, string yaml, ILoggerProvider? logs = null, Func<AgentOptions, ILoggerFactory, AgentRunner>? createRunner = null)
    {
        File.WriteAllText(configPath, yaml);
        var options = ConfigLoader.LoadFile(configPath);
        var loggers = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Debug).AddSimpleConsole(o => o.SingleLine = true);
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        return new AgentHarness(options, loggers, createRunner?.Invoke(options, loggers) ?? new AgentRunner(options, loggers));
    }

    /// <summary>Asks the agent to stop (as SIGTERM does) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        return await Run.WaitAsync(StopTimeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Run.IsCompleted)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _loggers.Dispose();
    }
}
