using System.Text;
using System.Text.Json;
using RlogServer.Common;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary>How <c>tail</c> and <c>query</c> print a stored line: text for people, or one JSON object per line.</summary>
internal static class LineFormatter
{
    /// <summary>
    /// <c>2026-11-28T07:00:00.123Z web-1 [label] line</c>: the time, the host its agent registered
    /// with (when known), the label, the level's short name when the event has one
    /// (<c>[api] WARN disk full</c>), the line, then <c>{key=value, ...}</c> when it has attributes.
    /// </summary>
    public static string Text(StoredLine line)
    {
        var text = new StringBuilder().Append(TimeText.Rfc3339(line.Timestamp));
        if (line.Host.Length > 0)
        {
            text.Append(' ').Append(line.Host);
        }

        text.Append(" [").Append(line.Label).Append("] ");
        if (line.SeverityNumber > 0)
        {
            text.Append(LevelName.Of(line.SeverityNumber)).Append(' ');
        }

        text.Append(line.Line);
        if (line.Attributes.Count > 0)
        {
            text.Append("  {")
                .AppendJoin(", ", line.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"))
                .Append('}');
        }

        return text.ToString();
    }

    /// <summary>
    /// One JSON object: <c>agent_uuid</c>, <c>host</c>, <c>label</c>, <c>source</c>, <c>file_id</c>,
    /// <c>offset</c>, <c>timestamp</c> (RFC 3339), <c>line</c>, <c>level</c> (the level as the event
    /// wrote it, or null), <c>severity_number</c> (0 when none), <c>attributes</c>.
    /// </summary>
    public static string Json(StoredLine line)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("agent_uuid", line.AgentUuid);
            writer.WriteString("host", line.Host);
            writer.WriteString("label", line.Label);
            writer.WriteString("source", line.Source);
            writer.WriteString("file_id", line.FileId);
            writer.WriteNumber("offset", line.Offset);
            writer.WriteString("timestamp", TimeText.Rfc3339(line.Timestamp));
            writer.WriteString("line", line.Line);
            if (line.SeverityText.Length > 0)
            {
                writer.WriteString("level", line.SeverityText);
            }
            else
            {
                writer.WriteNull("level");
            }

            writer.WriteNumber("severity_number", line.SeverityNumber);
            writer.WriteStartObject("attributes");
            foreach (var (key, value) in line.Attributes)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
