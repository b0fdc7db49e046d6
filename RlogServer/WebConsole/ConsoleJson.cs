using System.Globalization;
using System.Text.Json;
using RlogServer.Common;
using RlogServer.Storage;
using RlogServer.Storage.Console;

namespace RlogServer.WebConsole;

/// <summary>The API's JSON shapes, written member by member (names and order as the contract gives them).</summary>
internal static class ConsoleJson
{
    /// <summary>
    /// LINE: <c>id</c> (a string), <c>time</c>, <c>received</c>, <c>agent_uuid</c>, <c>host</c>,
    /// <c>label</c>, <c>source</c>, <c>file_id</c>, <c>offset</c>, <c>line</c>, <c>level</c>,
    /// <c>attributes</c>; then, added, <c>severity_number</c>.
    /// </summary>
    public static void WriteLine(Utf8JsonWriter json, StoredLine line)
    {
        json.WriteStartObject();
        json.WriteString("id", line.Id.ToString(CultureInfo.InvariantCulture));
        json.WriteString("time", TimeText.Rfc3339(line.Timestamp));
        json.WriteString("received", TimeText.Rfc3339(line.ReceivedAt));
        json.WriteString("agent_uuid", line.AgentUuid);
        json.WriteString("host", line.Host);
        json.WriteString("label", line.Label);
        json.WriteString("source", line.Source);
        json.WriteString("file_id", line.FileId);
        json.WriteNumber("offset", line.Offset);
        json.WriteString("line", line.Line);
        if (Level(line) is { } level)
        {
            json.WriteString("level", level);
        }
        else
        {
            json.WriteNull("level");
        }

        json.WriteStartObject("attributes");
        foreach (var (key, value) in line.Attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        json.WriteNumber("severity_number", line.SeverityNumber);
        json.WriteEndObject();
    }

    /// <summary>The level as the event wrote it; its short name when it had only a number; null when none.</summary>
    public static string? Level(StoredLine line) =>
        line.SeverityText.Length > 0 ? line.SeverityText
        : line.SeverityNumber > 0 ? LevelName.Of(line.SeverityNumber)
        : null;

    /// <summary>AGENT, with its <paramref name="status"/> (up, late or down).</summary>
    public static void WriteAgent(Utf8JsonWriter json, AgentSummary agent, string status)
    {
        var heartbeat = agent.LastHeartbeat;
        json.WriteStartObject();
        json.WriteString("agent_uuid", agent.AgentUuid);
        json.WriteString("host", agent.Host);
        json.WriteString("os", agent.Os);
        json.WriteString("version", agent.Version);
        json.WriteString("first_seen", TimeText.Rfc3339(agent.FirstSeen));
        json.WriteString("last_seen", TimeText.Rfc3339(agent.LastSeen));
        json.WriteString("status", status);
        Number(json, "cpu", heartbeat?.Cpu);
        Number(json, "memory", heartbeat?.Memory);
        Number(json, "process_cpu", heartbeat?.ProcessCpu);
        Number(json, "process_rss_bytes", heartbeat?.ProcessRssBytes);
        Number(json, "lines_read", heartbeat?.LinesRead);
        Number(json, "lines_confirmed", heartbeat?.LinesConfirmed);
        Number(json, "lines_rejected", heartbeat?.LinesRejected);
        Number(json, "source_restarts", heartbeat?.SourceRestarts);
        Number(json, "files_open", heartbeat?.FilesOpen);
        if (heartbeat is null)
        {
            json.WriteNull("last_heartbeat");
        }
        else
        {
            json.WriteString("last_heartbeat", TimeText.Rfc3339(heartbeat.ReceivedAt));
        }

        json.WriteEndObject();
    }

    /// <summary>One heartbeat point of an agent's series.</summary>
    public static void WritePoint(Utf8JsonWriter json, StoredHeartbeat heartbeat)
    {
        json.WriteStartObject();
        json.WriteString("time", TimeText.Rfc3339(heartbeat.ReceivedAt));
        json.WriteNumber("cpu", heartbeat.Cpu);
        json.WriteNumber("memory", heartbeat.Memory);
        json.WriteNumber("process_cpu", heartbeat.ProcessCpu);
        json.WriteNumber("process_rss_bytes", heartbeat.ProcessRssBytes);
        json.WriteNumber("lines_read", heartbeat.LinesRead);
        json.WriteNumber("lines_confirmed", heartbeat.LinesConfirmed);
        json.WriteNumber("lines_rejected", heartbeat.LinesRejected);
        json.WriteNumber("files_open", heartbeat.FilesOpen);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number && double.IsFinite(number))
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, ulong? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
