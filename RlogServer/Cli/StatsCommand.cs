using System.CommandLine;
using System.Text;
using System.Text.Json;
using RlogServer.Storage;
using RlogServer.Storage.Console;

namespace RlogServer.Cli;

/// <summary><c>rlog-server stats --db DSN [--json]</c>: agents, lines, heartbeats, lines per label and per host.</summary>
internal static class StatsCommand
{
    public static Command Create(Func<string, string?> environment)
    {
        var database = ServerCommandLine.DatabaseOption(environment);
        var json = new Option<bool>("--json")
        {
            Description = "One JSON object: database, engine, schema_version, agents, lines, heartbeats, labels and hosts (each [{name, lines}]).",
        };
        var command = new Command("stats", "Print what a database holds: agents, lines stored, heartbeats, lines per label and per host.")
        {
            database,
            json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = ServerCommandLine.OpenExisting(parse.GetValue(database)!, parse.InvocationConfiguration.Error);
            if (store is null)
            {
                return ServerCommandLine.UsageErrorExitCode;
            }

            var stats = await ReadAsync(store, cancellationToken).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteAsync(parse.GetValue(json) ? Json(stats) : Text(stats)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task<Stats> ReadAsync(LogStore store, CancellationToken cancellationToken)
    {
        // Every line ever stored: the widest range both engines take.
        var always = new TimeRange(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(100));
        var hosts = await store.Console.FacetAsync(LineFilter.All, always, new FacetField(FacetKind.Host), int.MaxValue / 2, cancellationToken)
            .ConfigureAwait(false);
        return new Stats(
            store.Location,
            store.Kind.ToString(),
            store.SchemaVersion,
            store.AgentUuids().Count,
            store.CountLines(),
            store.CountHeartbeats(),
            store.CountLinesByLabel().Select(l => (l.Label, l.Lines)).ToList(),
            hosts.Select(h => (h.Value, h.Lines)).ToList());
    }

    private static string Text(Stats stats)
    {
        var text = new StringBuilder()
            .AppendLine($"database    {stats.Location} ({stats.Engine}, schema version {stats.SchemaVersion})")
            .AppendLine($"agents      {stats.Agents}")
            .AppendLine($"lines       {stats.Lines}")
            .AppendLine($"heartbeats  {stats.Heartbeats}");
        foreach (var (title, counts) in new[] { ("label", stats.Labels), ("host", stats.Hosts) })
        {
            if (counts.Count == 0)
            {
                text.AppendLine($"lines per {title}: none");
                continue;
            }

            text.AppendLine($"lines per {title}:");
            var width = counts.Max(count => count.Name.Length);
            foreach (var (name, lines) in counts)
            {
                text.AppendLine($"  {name.PadRight(width)}  {lines}");
            }
        }

        return text.ToString();
    }

    private static string Json(Stats stats)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("database", stats.Location);
            json.WriteString("engine", stats.Engine.ToLowerInvariant());
            json.WriteNumber("schema_version", stats.SchemaVersion);
            json.WriteNumber("agents", stats.Agents);
            json.WriteNumber("lines", stats.Lines);
            json.WriteNumber("heartbeats", stats.Heartbeats);
            foreach (var (name, counts) in new[] { ("labels", stats.Labels), ("hosts", stats.Hosts) })
            {
                json.WriteStartArray(name);
                foreach (var (value, lines) in counts)
                {
                    json.WriteStartObject();
                    json.WriteString("name", value);
                    json.WriteNumber("lines", lines);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private sealed record Stats(
        string Location,
        string Engine,
        int SchemaVersion,
        int Agents,
        long Lines,
        long Heartbeats,
        List<(string Name, long Lines)> Labels,
        List<(string Name, long Lines)> Hosts);
}
