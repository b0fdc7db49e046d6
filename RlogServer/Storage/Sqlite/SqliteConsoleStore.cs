using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using RlogServer.Storage.Console;

namespace RlogServer.Storage.Sqlite;

/// <summary>The console's reads and sessions on SQLite.</summary>
internal sealed class SqliteConsoleStore : IConsoleStore
{
    private const string Columns = SqliteLineRows.Columns;

    private const string HeartbeatColumns = SqliteHeartbeatStore.SelectColumns;

    private readonly SqliteDatabase _database;

    public SqliteConsoleStore(SqliteDatabase database)
    {
        _database = database;
    }

    /// <summary>Kept for the interface: SQLite cannot cancel a statement; each regex match has its own limit.</summary>
    public TimeSpan QueryTimeout { get; set; } = Configuration.ConsoleOptions.DefaultQueryTimeout;

    public Task<IReadOnlyList<StoredLine>> SearchAsync(
        LineFilter filter, TimeRange range, LinePosition? after, int limit, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<StoredLine>>(connection =>
        {
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE read_at_ms >= $from AND read_at_ms < $to");
            AddRange(command, range);
            if (after is { } position)
            {
                sql.Append(" AND (read_at_ms < $after_ms OR (read_at_ms = $after_ms AND id < $after_id))");
                command.Parameters.AddWithValue("$after_ms", position.Time.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$after_id", position.Id);
            }

            AddFilter(command, sql, filter);
            sql.Append(" ORDER BY read_at_ms DESC, id DESC LIMIT $limit");
            command.Parameters.AddWithValue("$limit", limit);
            command.CommandText = sql.ToString();
            return SqliteLineRows.ReadAll(command);
        });

    public Task<long[]> HistogramAsync(LineFilter filter, TimeRange range, int buckets, CancellationToken cancellationToken = default) =>
        Read(connection =>
        {
            using var command = connection.CreateCommand();
            // Integer arithmetic: bucket k holds [from + k*span/buckets, from + (k+1)*span/buckets).
            var sql = new StringBuilder(
                "SELECT (read_at_ms - $from) * $buckets / $span AS bucket, count(*) FROM lines WHERE read_at_ms >= $from AND read_at_ms < $to");
            AddRange(command, range);
            command.Parameters.AddWithValue("$buckets", buckets);
            command.Parameters.AddWithValue("$span", range.SpanMilliseconds);
            AddFilter(command, sql, filter);
            sql.Append(" GROUP BY bucket");
            command.CommandText = sql.ToString();
            var counts = new long[buckets];
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                counts[Math.Clamp(reader.GetInt64(0), 0, buckets - 1)] += reader.GetInt64(1);
            }

            return counts;
        });

    public Task<StoredLine?> FindLineAsync(long id, CancellationToken cancellationToken = default) =>
        Read(connection =>
        {
            using var command = SqliteDatabase.Command(connection, $"SELECT {Columns} FROM lines WHERE id = $id");
            command.Parameters.AddWithValue("$id", id);
            return SqliteLineRows.ReadAll(command).FirstOrDefault();
        });

    public Task<LineContext> ContextAsync(StoredLine line, int before, int after, CancellationToken cancellationToken = default) =>
        Read(connection =>
        {
            // The unique key (agent_uuid, file_id, file_offset) walks the file both ways.
            List<StoredLine> Around(string comparison, string order, int count)
            {
                using var command = SqliteDatabase.Command(
                    connection,
                    $"SELECT {Columns} FROM lines WHERE agent_uuid = $agent AND file_id = $file AND file_offset {comparison} $offset ORDER BY file_offset {order} LIMIT $count");
                command.Parameters.AddWithValue("$agent", line.AgentUuid);
                command.Parameters.AddWithValue("$file", line.FileId);
                command.Parameters.AddWithValue("$offset", unchecked((long)line.Offset));
                command.Parameters.AddWithValue("$count", count);
                return SqliteLineRows.ReadAll(command);
            }

            var lines = Around("<", "DESC", before);
            lines.Reverse();
            var index = lines.Count;
            lines.Add(line);
            lines.AddRange(Around(">", "ASC", after));
            return new LineContext(lines, index);
        });

    public Task<IReadOnlyList<FacetCount>> FacetAsync(
        LineFilter filter, TimeRange range, FacetField field, int limit, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<FacetCount>>(connection =>
        {
            using var command = connection.CreateCommand();
            var where = new StringBuilder(" FROM lines WHERE read_at_ms >= $from AND read_at_ms < $to");
            AddRange(command, range);
            AddFilter(command, where, filter);
            command.Parameters.AddWithValue("$limit", limit);
            command.CommandText = field.Kind switch
            {
                // Counted per agent first, then summed per hostname: one lookup per agent, not per line.
                FacetKind.Host => $"""
                    SELECT a.hostname AS value, sum(c.n) AS lines
                    FROM (SELECT agent_uuid, count(*) AS n{where} GROUP BY agent_uuid) c
                    JOIN agents a ON a.agent_uuid = c.agent_uuid
                    GROUP BY a.hostname ORDER BY lines DESC, value LIMIT $limit
                    """,
                FacetKind.Label => $"SELECT label AS value, count(*) AS lines{where} GROUP BY label ORDER BY lines DESC, value LIMIT $limit",
                FacetKind.Source => $"SELECT source AS value, count(*) AS lines{where} GROUP BY source ORDER BY lines DESC, value LIMIT $limit",
                _ => $"SELECT rlog_attr(attributes, $facet_key) AS value, count(*) AS lines{where} AND value IS NOT NULL GROUP BY value ORDER BY lines DESC, value LIMIT $limit",
            };
            if (field.Kind == FacetKind.Attribute)
            {
                command.Parameters.AddWithValue("$facet_key", field.AttributeKey);
            }

            using var reader = command.ExecuteReader();
            var values = new List<FacetCount>();
            while (reader.Read())
            {
                values.Add(new FacetCount(reader.GetString(0), reader.GetInt64(1)));
            }

            return values;
        });

    public Task<IReadOnlyList<StoredLine>> ReadAfterAsync(
        LineFilter filter, long afterId, DateTimeOffset receivedSince, int limit, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<StoredLine>>(connection =>
        {
            // SQLite hands out ids at commit, one writer at a time: id order is commit order.
            using var command = connection.CreateCommand();
            var sql = new StringBuilder($"SELECT {Columns} FROM lines WHERE id > $after");
            command.Parameters.AddWithValue("$after", afterId);
            AddFilter(command, sql, filter);
            sql.Append(" ORDER BY id LIMIT $limit");
            command.Parameters.AddWithValue("$limit", limit);
            command.CommandText = sql.ToString();
            return SqliteLineRows.ReadAll(command);
        });

    public Task<string?> RegexErrorAsync(string pattern, CancellationToken cancellationToken = default)
    {
        try
        {
            SqliteConsoleFunctions.Validate(pattern);
            return Task.FromResult<string?>(null);
        }
        catch (ArgumentException ex)
        {
            return Task.FromResult<string?>(ex.Message);
        }
    }

    public Task<IReadOnlyList<AgentSummary>> AgentsAsync(CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<AgentSummary>>(connection =>
        {
            using var command = SqliteDatabase.Command(connection, $"""
                SELECT a.agent_uuid, a.hostname, a.os, a.agent_version, a.first_registered_at_ms,
                       coalesce(a.last_seen_ms, a.last_registered_at_ms), {HeartbeatColumns}
                FROM agents a
                LEFT JOIN heartbeats h ON h.id = (SELECT max(id) FROM heartbeats WHERE agent_uuid = a.agent_uuid)
                ORDER BY a.hostname, a.agent_uuid
                """);
            using var reader = command.ExecuteReader();
            var agents = new List<AgentSummary>();
            while (reader.Read())
            {
                agents.Add(new AgentSummary(
                    AgentUuid: reader.GetString(0),
                    Host: reader.GetString(1),
                    Os: reader.GetString(2),
                    RegisteredVersion: reader.GetString(3),
                    FirstSeen: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    LastSeen: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    LastHeartbeat: reader.IsDBNull(6) ? null : SqliteHeartbeatStore.Read(reader, 6)));
            }

            return agents;
        });

    public Task<IReadOnlyList<StoredHeartbeat>> HeartbeatsAsync(string agentUuid, TimeRange range, CancellationToken cancellationToken = default) =>
        Read<IReadOnlyList<StoredHeartbeat>>(connection =>
        {
            using var command = SqliteDatabase.Command(connection, $"""
                SELECT {HeartbeatColumns} FROM heartbeats h
                WHERE h.agent_uuid = $agent AND h.received_at_ms >= $from AND h.received_at_ms < $to
                ORDER BY h.received_at_ms, h.id
                """);
            command.Parameters.AddWithValue("$agent", agentUuid);
            AddRange(command, range);
            using var reader = command.ExecuteReader();
            var points = new List<StoredHeartbeat>();
            while (reader.Read())
            {
                points.Add(SqliteHeartbeatStore.Read(reader, 0));
            }

            return points;
        });

    public Task TouchAgentAsync(string agentUuid, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            writer =>
            {
                using var command = SqliteDatabase.Command(
                    writer,
                    "UPDATE agents SET last_seen_ms = max(coalesce(last_seen_ms, 0), $at) WHERE agent_uuid = $agent");
                command.Parameters.AddWithValue("$agent", agentUuid);
                command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    public Task CreateSessionAsync(byte[] sessionHash, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            writer =>
            {
                using var command = SqliteDatabase.Command(
                    writer,
                    "INSERT INTO console_sessions (session_hash, created_at_ms, expires_at_ms) VALUES ($hash, $created, $expires)");
                command.Parameters.AddWithValue("$hash", sessionHash);
                command.Parameters.AddWithValue("$created", createdAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    public Task<bool> IsSessionLiveAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Read(connection =>
        {
            using var command = SqliteDatabase.Command(
                connection,
                "SELECT count(*) FROM console_sessions WHERE session_hash = $hash AND expires_at_ms > $now");
            command.Parameters.AddWithValue("$hash", sessionHash);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return (long)command.ExecuteScalar()! > 0;
        });

    public Task DeleteSessionAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            writer =>
            {
                using var command = SqliteDatabase.Command(
                    writer,
                    "DELETE FROM console_sessions WHERE session_hash = $hash OR expires_at_ms <= $now");
                command.Parameters.AddWithValue("$hash", sessionHash);
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private Task<T> Read<T>(Func<SqliteConnection, T> work) =>
        Task.Run(() =>
        {
            try
            {
                return _database.Read(connection =>
                {
                    SqliteConsoleFunctions.Register(connection);
                    return work(connection);
                });
            }
            catch (SqliteException ex) when (ex.Message.Contains(nameof(System.Text.RegularExpressions.RegexMatchTimeoutException), StringComparison.Ordinal))
            {
                throw new ConsoleQueryTimeoutException(
                    $"a line took longer than {SqliteConsoleFunctions.RegexMatchTimeout.TotalSeconds:0.#} s to match the regex; simplify it",
                    ex);
            }
        });

    private static void AddRange(SqliteCommand command, TimeRange range)
    {
        command.Parameters.AddWithValue("$from", range.FromMilliseconds);
        command.Parameters.AddWithValue("$to", range.ToMilliseconds);
    }

    // The contract's FILTERS as SQL on the lines table.
    private static void AddFilter(SqliteCommand command, StringBuilder sql, LineFilter filter)
    {
        AnyEqual(command, sql, "label", filter.Labels, "label");
        if (filter.Hosts.Count > 0)
        {
            sql.Append(" AND agent_uuid IN (SELECT agent_uuid FROM agents WHERE ");
            AnyOf(command, sql, "host", filter.Hosts, p => $"hostname = {p}");
            sql.Append(')');
        }

        AnyEqual(command, sql, "agent_uuid", filter.Agents, "agent");
        AnyEqual(command, sql, "source", filter.Sources, "source");
        if (filter.Contains.Count > 0)
        {
            sql.Append(" AND ");
            AnyOf(command, sql, "contains", filter.Contains, p => $"instr(line, {p}) > 0");
        }

        if (filter.IContains.Count > 0)
        {
            sql.Append(" AND ");
            AnyOf(command, sql, "icontains", filter.IContains, p => $"rlog_icontains(line, {p})");
        }

        for (var i = 0; i < filter.Exclude.Count; i++)
        {
            var name = Name("exclude", i);
            sql.Append(" AND instr(line, ").Append(name).Append(") = 0");
            command.Parameters.AddWithValue(name, filter.Exclude[i]);
        }

        if (filter.Regex.Count > 0)
        {
            sql.Append(" AND ");
            AnyOf(command, sql, "regex", filter.Regex, p => $"line REGEXP {p}");
        }

        for (var i = 0; i < filter.Attributes.Count; i++)
        {
            var key = Name("attr_key", i);
            command.Parameters.AddWithValue(key, filter.Attributes[i].Key);
            sql.Append(" AND ");
            AnyOf(command, sql, $"attr{i}_", filter.Attributes[i].Values, p => $"rlog_attr(attributes, {key}) = {p}");
        }

        if (filter.MinSeverity is { } minSeverity)
        {
            sql.Append(" AND severity_number >= $min_severity");
            command.Parameters.AddWithValue("$min_severity", minSeverity);
        }
    }

    private static void AnyEqual(SqliteCommand command, StringBuilder sql, string column, IReadOnlyList<string> values, string prefix)
    {
        if (values.Count > 0)
        {
            sql.Append(" AND ");
            AnyOf(command, sql, prefix, values, p => $"{column} = {p}");
        }
    }

    // (condition(p0) OR condition(p1) ...), each value a parameter.
    private static void AnyOf(SqliteCommand command, StringBuilder sql, string prefix, IReadOnlyList<string> values, Func<string, string> condition)
    {
        sql.Append('(');
        for (var i = 0; i < values.Count; i++)
        {
            var name = Name(prefix, i);
            command.Parameters.AddWithValue(name, values[i]);
            sql.Append(i == 0 ? "" : " OR ").Append(condition(name));
        }

        sql.Append(')');
    }

    private static string Name(string prefix, int index) => string.Create(CultureInfo.InvariantCulture, $"${prefix}{index}");
}
