namespace RlogServer.WebConsole;

internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Console on {Address} (sign in with a viewer key)")]
    public static partial void Serving(ILogger logger, string address);
}
