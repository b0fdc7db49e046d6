using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// How a stored line is read back: the columns, the joins that turn a row's numbers into its
/// label, source, file and agent, and the reader that makes a <see cref="StoredLine"/>. One
/// place for the line store and the console's searches.
/// </summary>
internal static class PostgresLineRows
{
    /// <summary>
    /// A line's id is (batch_no &lt;&lt; IdShift) + its place in the batch, so a batch may hold up to
    /// 2^24 lines: more than a 4 MiB message can carry.
    /// </summary>
    public const int IdShift = 24;

    /// <summary>Every column of a line, from the FROM items of <see cref="Joined"/>; the hostname last.</summary>
    public const string Columns =
        "l.id, f.agent_uuid, ln.name, l.line, sn.name, f.file_id, l.file_offset, b.batch_id, l.ts, b.received_at, l.attributes::text, l.severity_number, l.severity_text, a.hostname";

    /// <summary>
    /// What a line's numbers stand for, joined to the lines chosen (a FROM item named l, which a
    /// query filters, sorts and cuts to its limit first, so that only those lines are joined).
    /// </summary>
    public static string Joined(string lines) => $"""
         FROM {lines} l
         JOIN files f ON f.file_no = l.file_no
         JOIN names ln ON ln.name_no = l.label_no
         JOIN names sn ON sn.name_no = l.source_no
         JOIN batches b ON b.batch_no = l.id >> {IdShift}
         LEFT JOIN agents a ON a.agent_uuid = f.agent_uuid
        """;

    public static async Task<List<StoredLine>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<StoredLine>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lines.Add(ReadLine(reader));
        }

        return lines;
    }

    public static StoredLine ReadLine(NpgsqlDataReader reader) =>
        new(
            AgentUuid: reader.GetGuid(1).ToString(),
            Label: reader.GetString(2),
            Line: reader.GetString(3),
            Source: reader.GetString(4),
            FileId: reader.GetString(5),
            Offset: unchecked((ulong)reader.GetInt64(6)),
            BatchId: reader.GetString(7))
        {
            Id = reader.GetInt64(0),
            Timestamp = reader.GetFieldValue<DateTimeOffset>(8),
            ReceivedAt = reader.GetFieldValue<DateTimeOffset>(9),
            Attributes = LineAttributes.FromJson(reader.IsDBNull(10) ? null : reader.GetString(10)),
            SeverityNumber = reader.GetInt16(11),
            SeverityText = reader.IsDBNull(12) ? "" : reader.GetString(12),
            Host = reader.IsDBNull(13) ? "" : reader.GetString(13),
        };
}
