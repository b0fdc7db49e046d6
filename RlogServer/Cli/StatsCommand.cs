using System.CommandLine;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary><c>rlog-server stats --db DSN</c>: agents, lines, heartbeats and lines per label.</summary>
internal static class StatsCommand
{
    public static Command Create(Func<string, string?> environment)
    {
        var database = ServerCommandLine.DatabaseOption(environment);
        var command = new Command("stats", "Print what a database holds: agents, lines stored, heartbeats, lines per label.")
        {
            database,
        };
        command.SetAction(parse =>
        {
            using var store = ServerCommandLine.OpenExisting(parse.GetValue(database)!, parse.InvocationConfiguration.Error);
            if (store is null)
            {
                return ServerCommandLine.UsageErrorExitCode;
            }

            Write(store, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    public static void Write(LogStore store, TextWriter output)
    {
        output.WriteLine($"database    {store.Location} ({store.Kind}, schema version {store.SchemaVersion})");
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
