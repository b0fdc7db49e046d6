using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using RlogAgent;
using RlogAgent.Configuration;
using RlogAgent.Hosting;

// Composition only: parse the command line, load the configuration, wire signals, run.
// Signals are taken first, so a SIGTERM during start-up is an orderly stop as well.
using var signals = new StopSignals();
var configOption = new Option<string?>("--config")
{
    Description = "Path of agent.yaml (default: config/agent.yaml under the working directory)",
};
var checkConfigOption = new Option<bool>("--check-config")
{
    Description = "Load and validate the configuration (with ${VAR} substitution and RLOG_* overrides), print it with secrets masked, and exit: 0 if valid, 2 if not",
};
var root = new RootCommand("rlog-agent: tails log files and ships their lines to an rlog server over gRPC.")
{
    configOption,
    checkConfigOption,
};
root.SetAction((parse, _) => parse.GetValue(checkConfigOption)
    ? Task.FromResult(CheckConfig(ConfigFilePath(parse.GetValue(configOption))))
    : RunAsync(ConfigFilePath(parse.GetValue(configOption)), signals));
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

static IEnumerable<string> EnvironmentVariableNames() => Environment.GetEnvironmentVariables().Keys.Cast<string>();

static string ConfigFilePath(string? configPath) => Path.GetFullPath(configPath ?? ConfigLoader.DefaultConfigPath);

static int CheckConfig(string path)
{
    try
    {
        var (options, _) = ConfigLoader.LoadOrFirstRun(path, Environment.GetEnvironmentVariable);
        foreach (var (variable, closest) in ConfigLoader.UnknownRlogVariables(EnvironmentVariableNames()))
        {
            Console.Error.WriteLine($"rlog-agent: warning: {variable} sets nothing; did you mean {closest}?");
        }

        EffectiveConfigPrinter.Print(options, Console.Out);
        return ExitCodes.Ok;
    }
    catch (ConfigException e)
    {
        Console.Error.WriteLine($"rlog-agent: {e.Message}");
        return ExitCodes.ConfigError;
    }
}

static ILoggerFactory CreateLoggers(LogLevel level, LogFormat format) => LoggerFactory.Create(builder =>
{
    builder.SetMinimumLevel(level);
    if (format == LogFormat.Json)
    {
        builder.AddJsonConsole(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
        return;
    }

    builder.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        o.UseUtcTimestamp = true;
        o.ColorBehavior = LoggerColorBehavior.Disabled;
    });
});

static async Task<int> RunAsync(string path, StopSignals signals)
{
    AgentOptions options;
    bool firstRun;
    try
    {
        (options, firstRun) = ConfigLoader.LoadOrFirstRun(path, Environment.GetEnvironmentVariable);
    }
    catch (ConfigException e)
    {
        // The configuration never said how to log: report in the default format.
        using var fallback = CreateLoggers(AgentOptions.DefaultLogLevel, AgentOptions.DefaultLogFormat);
        HostingLog.ConfigProblem(fallback.CreateLogger("rlog.agent"), e.Message);
        return ExitCodes.ConfigError;
    }

    using var loggers = CreateLoggers(options.LogLevel, options.LogFormat);
    var logger = loggers.CreateLogger("rlog.agent");
    foreach (var (variable, closest) in ConfigLoader.UnknownRlogVariables(EnvironmentVariableNames()))
    {
        HostingLog.UnknownVariable(logger, variable, closest);
    }

    var runner = new AgentRunner(options, loggers) { WriteConfigAfterRegistration = firstRun };
    signals.OnSecondSignal = () =>
    {
        HostingLog.Interrupted(logger);
        runner.FlushCheckpoints();
        loggers.Dispose();
    };

    try
    {
        return await runner.RunAsync(signals.Token);
    }
    catch (Exception e)
    {
        HostingLog.Fatal(logger, e.Message, e);
        return ExitCodes.Fatal;
    }
}
