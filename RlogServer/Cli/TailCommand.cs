using System.CommandLine;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary><c>rlog-server tail --db DSN [-n N] [--json]</c>: the newest lines stored, with time, host and label.</summary>
internal static class TailCommand
{
    /// <summary>Default for <c>-n</c>.</summary>
    public const int DefaultLineCount = 20;

    public static Command Create(Func<string, string?> environment)
    {
        var database = ServerCommandLine.DatabaseOption(environment);
        var count = ServerCommandLine.CountOption(DefaultLineCount);
        var json = new Option<bool>("--json") { Description = "One JSON object per line, as query --json prints." };
        var command = new Command("tail", "Print the newest lines stored (by event time), oldest of them first, each with its time, host and label.")
        {
            database,
            count,
            json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = ServerCommandLine.OpenExisting(parse.GetValue(database)!, parse.InvocationConfiguration.Error);
            if (store is null)
            {
                return ServerCommandLine.UsageErrorExitCode;
            }

            await WriteAsync(store, parse.GetValue(count), parse.GetValue(json), parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    public static async Task WriteAsync(LogStore store, int count, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var line in await store.ReadLastLinesAsync(count, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync(json ? LineFormatter.Json(line) : LineFormatter.Text(line)).ConfigureAwait(false);
        }
    }
}
