using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>
/// Deletes a table's rows received before a cutoff without stalling ingest. SQLite has one writer,
/// so a delete that scans the table holds every Send up for as long as the scan takes. Ids grow with
/// arrival (one writer), so the last id before the cutoff is found first on a read connection, by a
/// binary search of point lookups; then rows are deleted in short transactions of at most
/// <see cref="SliceRows"/>, each walking its ids from the start of the table, where old rows are.
/// No statement run under the writer lock reads more than a slice's worth of rows.
/// </summary>
internal static class SqliteRetention
{
    /// <summary>Rows one writer transaction deletes at most.</summary>
    public const int SliceRows = 2_000;

    /// <summary>The delete of one slice; <c>$last</c> bounds it by id so it is a range search, never a scan.</summary>
    public static string SliceDeleteSql(string table) => $"""
        DELETE FROM {table} WHERE id IN (
            SELECT id FROM {table} WHERE id <= $last AND received_at_ms < $cutoff ORDER BY id LIMIT $slice)
        """;

    public static async Task<long> DeleteReceivedBeforeAsync(
        SqliteDatabase database,
        string table,
        DateTimeOffset cutoff,
        CancellationToken cancellationToken,
        int sliceRows = SliceRows)
    {
        var cutoffMs = cutoff.ToUnixTimeMilliseconds();
        if (database.Read(reader => LastIdBefore(reader, table, cutoffMs)) is not { } last)
        {
            return 0;
        }

        var sql = SliceDeleteSql(table);
        long deleted = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slice = await database.WriteAsync(
                writer =>
                {
                    using var command = SqliteDatabase.Command(writer, sql);
                    command.Parameters.AddWithValue("$last", last);
                    command.Parameters.AddWithValue("$cutoff", cutoffMs);
                    command.Parameters.AddWithValue("$slice", sliceRows);
                    return command.ExecuteNonQuery();
                },
                cancellationToken).ConfigureAwait(false);
            deleted += slice;
            if (slice < sliceRows)
            {
                return deleted;
            }
        }
    }

    /// <summary>
    /// The highest id whose row was received before the cutoff, or null when the first row was not:
    /// a binary search over ids (gaps allowed), each step one primary-key lookup.
    /// </summary>
    public static long? LastIdBefore(SqliteConnection reader, string table, long cutoffMs)
    {
        using var first = SqliteDatabase.Command(reader, $"SELECT id, received_at_ms FROM {table} WHERE id >= $from ORDER BY id LIMIT 1");
        var from = first.Parameters.Add("$from", SqliteType.Integer);
        (long Id, long ReceivedAt)? RowFrom(long id)
        {
            from.Value = id;
            using var row = first.ExecuteReader();
            return row.Read() ? (row.GetInt64(0), row.GetInt64(1)) : null;
        }

        if (RowFrom(long.MinValue) is not { } start || start.ReceivedAt >= cutoffMs)
        {
            return null;
        }

        var low = start.Id;
        var high = SqliteDatabase.Scalar(reader, $"SELECT MAX(id) FROM {table}");
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (RowFrom(middle) is { } row && row.Id <= high && row.ReceivedAt < cutoffMs)
            {
                low = row.Id;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }
}
