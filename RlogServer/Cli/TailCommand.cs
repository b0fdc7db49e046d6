using System.CommandLine;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary><c>rlog-server tail --db PATH [-n N]</c>: the last lines stored, with their labels.</summary>
internal static class TailCommand
{
    /// <summary>Default for <c>-n</c>.</summary>
    public const int DefaultLineCount = 20;

    public static Command Create()
    {
        var database = ServerCommandLine.DatabaseOption();
        var count = new Option<int>("-n", "--lines")
        {
            Description = "How many lines to print.",
            DefaultValueFactory = _ => DefaultLineCount,
            CustomParser = result => ServerCommandLine.ParseInt(
                result,
                minimum: 0,
                "-n must be a whole number of lines, 0 or more.",
                DefaultLineCount),
        };

        var command = new Command("tail", "Print the last lines stored, oldest first, each with its label.")
        {
            database,
            count,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(database)!;
            if (!File.Exists(path))
            {
                parse.InvocationConfiguration.Error.WriteLine($"rlog-server: no database at {path}");
                return ServerCommandLine.UsageErrorExitCode;
            }

            using var store = new LogStore(path);
            Write(store, parse.GetValue(count), parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    public static void Write(LogStore store, int count, TextWriter output)
    {
        foreach (var line in store.ReadLastLines(count))
        {
            output.WriteLine($"[{line.Label}] {line.Line}");
        }
    }
}
