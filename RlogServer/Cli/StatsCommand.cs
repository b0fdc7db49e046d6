using System.CommandLine;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary><c>rlog-server stats --db PATH</c>: agents, lines, heartbeats and lines per label.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var database = ServerCommandLine.DatabaseOption();
        var command = new Command("stats", "Print what a database holds: agents, lines stored, heartbeats, lines per label.")
        {
            database,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(database)!;
            var output = parse.InvocationConfiguration.Output;
            if (!File.Exists(path))
            {
                parse.InvocationConfiguration.Error.WriteLine($"rlog-server: no database at {path}");
                return ServerCommandLine.UsageErrorExitCode;
            }

            using var store = new LogStore(path);
            Write(store, output);
            return 0;
        });
        return command;
    }

    public static void Write(LogStore store, TextWriter output)
    {
        output.WriteLine($"database    {store.DatabasePath}");
        output.WriteLine($"agents      {store.AgentUuids().Count}");
        output.WriteLine($"lines       {store.CountLines()}");
        output.WriteLine($"heartbeats  {store.CountHeartbeats()}");
        var labels = store.CountLinesByLabel();
        if (labels.Count == 0)
        {
            output.WriteLine("lines per label: none");
            return;
        }

        output.WriteLine("lines per label:");
        var width = labels.Max(label => label.Label.Length);
        foreach (var label in labels)
        {
            output.WriteLine($"  {label.Label.PadRight(width)}  {label.Lines}");
        }
    }
}
