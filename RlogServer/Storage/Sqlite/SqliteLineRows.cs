using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>
/// The columns a stored line is read from, and the reader that turns them into
/// <see cref="StoredLine"/>: one list for the line store and the console's searches.
/// </summary>
internal static class SqliteLineRows
{
    /// <summary>
    /// Every column of a line, from a query over <c>lines</c> (unaliased), and last the hostname
    /// its agent last registered with.
    /// </summary>
    public const string Columns =
        "id, agent_uuid, label, line, source, file_id, file_offset, batch_id, read_at_ms, received_at_ms, attributes, severity_number, severity_text, "
        + "(SELECT a.hostname FROM agents a WHERE a.agent_uuid = lines.agent_uuid)";

    public static List<StoredLine> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var lines = new List<StoredLine>();
        while (reader.Read())
        {
            var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9));
            lines.Add(new StoredLine(
                AgentUuid: reader.GetString(1),
                Label: reader.GetString(2),
                Line: reader.GetString(3),
                Source: reader.GetString(4),
                FileId: reader.GetString(5),
                Offset: unchecked((ulong)reader.GetInt64(6)),
                BatchId: reader.GetString(7))
            {
                Id = reader.GetInt64(0),
                Timestamp = reader.IsDBNull(8) ? receivedAt : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                ReceivedAt = receivedAt,
                Attributes = LineAttributes.FromJson(reader.IsDBNull(10) ? null : reader.GetString(10)),
                SeverityNumber = reader.GetInt32(11),
                SeverityText = reader.IsDBNull(12) ? "" : reader.GetString(12),
                Host = reader.IsDBNull(13) ? "" : reader.GetString(13),
            });
        }

        return lines;
    }
}
