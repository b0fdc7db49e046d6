using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using RlogAgent;
using RlogAgent.Configuration;
using RlogAgent.Hosting;

// Composition only: parse the command line, load the configuration, wire signals, run.
var configOption = new Option<string?>("--config")
{
    Description = "Path of agent.yaml (default: config/agent.yaml under the working directory)",
};
var root = new RootCommand("rlog-agent: tails log files and ships their lines to an rlog server over gRPC.")
{
    configOption,
};
root.SetAction((parse, _) => RunAsync(parse.GetValue(configOption)));
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"rlog-agent: {error.Message}");
    }

    await Console.Error.WriteLineAsync("Run 'rlog-agent --help' for usage.");
    return ExitCodes.ConfigError;
}

// Signals are the agent's own business (ordered drain, second signal exits), not the parser's.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> RunAsync(string? configPath)
{
    using var loggers = LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        }));
    var logger = loggers.CreateLogger("rlog.agent");

    var path = Path.GetFullPath(configPath ?? Path.Combine("config", "agent.yaml"));
    AgentOptions options;
    var firstRun = false;
    try
    {
        if (File.Exists(path))
        {
            options = ConfigLoader.LoadFile(path);
        }
        else
        {
            options = ConfigLoader.FromEnvironment(path, Environment.GetEnvironmentVariable)
                ?? throw new ConfigException(path, "", $"no such file; on a first run set {ConfigLoader.ServerAddrVariable} and {ConfigLoader.ProjectKeyVariable} to create it");
            firstRun = true;
        }
    }
    catch (ConfigException e)
    {
        HostingLog.ConfigProblem(logger, e.Message);
        return ExitCodes.ConfigError;
    }

    var runner = new AgentRunner(options, loggers) { WriteConfigAfterRegistration = firstRun };
    using var stop = new CancellationTokenSource();
    var signals = 0;
    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref signals) == 1)
        {
            stop.Cancel();
            return;
        }

        HostingLog.Interrupted(logger);
        runner.FlushCheckpoints();
        loggers.Dispose();
        Environment.Exit(ExitCodes.Interrupted);
    }

    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    try
    {
        return await runner.RunAsync(stop.Token);
    }
    catch (Exception e)
    {
        HostingLog.Fatal(logger, e.Message, e);
        return ExitCodes.Fatal;
    }
}
