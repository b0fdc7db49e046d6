using System.Globalization;
using System.Text;
using Npgsql;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The console's filters as SQL on PostgreSQL: labels and sources as their names' numbers,
/// hosts and agents as their files' numbers (looked up first, so that the planner matches
/// arrays against indexes), the text conditions, attributes and level; and queries run once per
/// range of event time.
/// </summary>
internal static class PostgresLineFilter
{
    public static void AddRange(NpgsqlCommand command, StringBuilder sql, TimeRange range)
    {
        command.Parameters.AddWithValue(range.From.ToUniversalTime());
        command.Parameters.AddWithValue(range.To.ToUniversalTime());
        sql.Append(CultureInfo.InvariantCulture, $"l.ts >= ${command.Parameters.Count - 1} AND l.ts < ${command.Parameters.Count}");
    }

    // The contract's FILTERS as SQL on lines l. False when they can match nothing (a label or
    // source never stored, an agent that is no uuid): the caller answers empty without asking.
    // alias: the lines (l), or line_counts (c), which has label_no, file_no and severity_number
    // only (PostgresLineCounts.CanCount says when a filter needs no more).
    public static async Task<bool> AddAsync(
        NpgsqlConnection connection, NpgsqlCommand command, StringBuilder sql, LineFilter filter, CancellationToken cancellationToken, string alias = "l")
    {
        foreach (var (column, names) in new[] { ($"{alias}.label_no", filter.Labels), ($"{alias}.source_no", filter.Sources) })
        {
            if (names.Count == 0)
            {
                continue;
            }

            var numbers = await NameNumbersAsync(connection, names, cancellationToken).ConfigureAwait(false);
            if (numbers.Length == 0)
            {
                return false;
            }

            // One number as an equality: PostgreSQL 15 walks an index in order only for that.
            command.Parameters.AddWithValue(numbers.Length == 1 ? numbers[0] : numbers);
            sql.Append(CultureInfo.InvariantCulture, $" AND {column} {(numbers.Length == 1 ? "=" : "= ANY(")} ${command.Parameters.Count}{(numbers.Length == 1 ? "" : ")")}");
        }

        // Hosts and agents as the numbers of their files, looked up first: an array the planner
        // can match against an index, where a subquery per row was what line_counts' plans did.
        if (filter.Hosts.Count > 0 || filter.Agents.Count > 0)
        {
            var files = await FileNumbersAsync(connection, filter, cancellationToken).ConfigureAwait(false);
            if (files.Length == 0)
            {
                return false;
            }

            command.Parameters.AddWithValue(files);
            sql.Append(CultureInfo.InvariantCulture, $" AND {alias}.file_no = ANY(${command.Parameters.Count})");
        }

        AnyOf(command, sql, filter.Contains, p => $"strpos(l.line, {p}) > 0");
        AnyOf(command, sql, filter.IContains.Select(LikePattern).ToList(), p => $"l.line ILIKE {p}");
        foreach (var excluded in filter.Exclude)
        {
            command.Parameters.AddWithValue(excluded);
            sql.Append(CultureInfo.InvariantCulture, $" AND strpos(l.line, ${command.Parameters.Count}) = 0");
        }

        AnyOf(command, sql, filter.Regex, p => $"l.line ~ {p}");
        foreach (var attribute in filter.Attributes)
        {
            command.Parameters.AddWithValue(attribute.Key);
            command.Parameters.AddWithValue(attribute.Values.ToArray());
            sql.Append(CultureInfo.InvariantCulture, $" AND (l.attributes ->> ${command.Parameters.Count - 1}) = ANY(${command.Parameters.Count})");
        }

        if (filter.MinSeverity is { } minSeverity)
        {
            command.Parameters.AddWithValue((short)minSeverity);
            sql.Append(CultureInfo.InvariantCulture, $" AND {alias}.severity_number >= ${command.Parameters.Count}");
        }

        return true;
    }

    // The files of the filter's hosts and agents (both, when both are given).
    private static async Task<long[]> FileNumbersAsync(NpgsqlConnection connection, LineFilter filter, CancellationToken cancellationToken)
    {
        var uuids = filter.Agents.Select(PostgresDatabase.ParseUuid).OfType<Guid>().ToArray();
        if (filter.Agents.Count > 0 && uuids.Length == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand(
            """
            SELECT f.file_no FROM files f JOIN agents a ON a.agent_uuid = f.agent_uuid
            WHERE ($1::text[] IS NULL OR a.hostname = ANY($1)) AND ($2::uuid[] IS NULL OR f.agent_uuid = ANY($2))
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = filter.Hosts.Count > 0 ? filter.Hosts.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = uuids.Length > 0 ? uuids : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
        var numbers = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            numbers.Add(reader.GetInt64(0));
        }

        return [.. numbers];
    }

    private static async Task<int[]> NameNumbersAsync(NpgsqlConnection connection, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT name_no FROM names WHERE name_key = ANY($1)", connection);
        command.Parameters.AddWithValue(names.Select(PostgresNames.NameKey).ToArray());
        var numbers = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            numbers.Add(reader.GetInt32(0));
        }

        return [.. numbers];
    }

    // (condition($n) OR condition($n+1) ...), each value a parameter.
    private static void AnyOf(NpgsqlCommand command, StringBuilder sql, IReadOnlyList<string> values, Func<string, string> condition)
    {
        if (values.Count == 0)
        {
            return;
        }

        sql.Append(" AND (");
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.AddWithValue(values[i]);
            sql.Append(i == 0 ? "" : " OR ").Append(condition("$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture)));
        }

        sql.Append(')');
    }

    // %text% for ILIKE, its own wildcards and the escape character taken literally.
    private static string LikePattern(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    // Runs one query per range of event time, all in one round trip: "select" FROM lines l
    // WHERE the range AND what addWhere adds, then groupBy; each row goes to read. One simple
    // range query each, which PostgreSQL answers from an index; the same ranges ORed in one
    // query let it choose a scan of the whole (label, ts) index instead.
    public static async Task ReadRangesAsync(
        NpgsqlConnection connection,
        IReadOnlyList<(DateTimeOffset Low, DateTimeOffset High)> ranges,
        Func<NpgsqlCommand, StringBuilder, Task<bool>> addWhere,
        string select,
        string groupBy,
        Action<NpgsqlDataReader> read,
        CancellationToken cancellationToken)
    {
        await using var template = new NpgsqlCommand();
        template.Parameters.AddWithValue(DateTime.UnixEpoch);
        template.Parameters.AddWithValue(DateTime.UnixEpoch);
        var where = new StringBuilder(" FROM lines l WHERE l.ts >= $1 AND l.ts < $2");
        if (ranges.Count == 0 || !await addWhere(template, where).ConfigureAwait(false))
        {
            return;
        }

        var sql = select + where + groupBy;
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (low, high) in ranges)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue(low.ToUniversalTime());
            command.Parameters.AddWithValue(high.ToUniversalTime());
            foreach (var parameter in template.Parameters.Skip(2))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter.Value, NpgsqlDbType = parameter.NpgsqlDbType });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read(reader);
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
    }
}
