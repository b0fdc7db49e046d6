using Microsoft.Extensions.Logging;

namespace RlogAgent.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "rlog-agent {Version} starting: server {Server}, {Sources} sources, state in {StateDir}")]
    public static partial void Starting(ILogger logger, string version, string server, int sources, string stateDir);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "First run: wrote {ConfigPath}; later runs need no environment")]
    public static partial void ConfigWritten(ILogger logger, string configPath);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stopping: reading stopped, sending what is held (budget {Budget})")]
    public static partial void Stopping(ILogger logger, string budget);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Stopped cleanly: every line read was confirmed by the server")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Shutdown budget spent before the server confirmed {Batches} batches; they are sent again at the next start")]
    public static partial void ShutdownIncomplete(ILogger logger, int batches);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "No sources configured in {ConfigPath}: only heartbeats are sent")]
    public static partial void NoSources(ILogger logger, string configPath);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "{Problem}")]
    public static partial void ConfigProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 8, Level = LogLevel.Critical, Message = "Fatal error: {Reason}")]
    public static partial void Fatal(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Second stop signal: exiting now; unconfirmed lines are sent again at the next start")]
    public static partial void Interrupted(ILogger logger);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Source {Label} failed ({Reason}); starting it again from its checkpoints in {Delay}")]
    public static partial void SourceRestarting(ILogger logger, string label, string reason, string delay);

    [LoggerMessage(EventId = 11, Level = LogLevel.Critical, Message = "Source {Label} failed {Failures} times in a row (last: {Reason}); giving up: the agent exits so its supervisor can act")]
    public static partial void SourceGivenUp(ILogger logger, string label, int failures, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Source readers did not stop within half the shutdown budget (a read may hang, as on a stalled network file system); going on with the drain")]
    public static partial void ReadersDidNotStop(ILogger logger);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Background task {Task} failed while stopping: {Reason}")]
    public static partial void BackgroundFailed(ILogger logger, string task, string reason, Exception exception);

    [LoggerMessage(EventId = 14, Level = LogLevel.Critical, Message = "{Reason}")]
    public static partial void StateDirInUse(ILogger logger, string reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Debug, Message = "At rest: memory given back, working set {BeforeKb} KB -> {AfterKb} KB")]
    public static partial void MemoryTrimmed(ILogger logger, long beforeKb, long afterKb);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "{Variable} sets nothing (no setting has that variable); did you mean {Closest}?")]
    public static partial void UnknownVariable(ILogger logger, string variable, string closest);
}
