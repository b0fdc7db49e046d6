using Npgsql;
using Rlog.V1;

namespace RlogServer.Storage.Postgres;

/// <summary>Heartbeats in PostgreSQL, one row each.</summary>
internal sealed class PostgresHeartbeatStore : IHeartbeatStore
{
    private const string Columns = """
        agent_uuid, sent_at, received_at, cpu, memory, agent_version, lines_read, lines_confirmed,
        batches_unconfirmed, send_retries, files_open, process_cpu, process_rss_bytes, lines_rejected, source_restarts
        """;

    /// <summary>The columns <see cref="Read"/> reads, from <c>heartbeats h</c>: for this store and the console's.</summary>
    internal const string SelectColumns = """
        h.agent_uuid, h.sent_at, h.received_at, h.cpu, h.memory, h.agent_version, h.lines_read, h.lines_confirmed,
        h.batches_unconfirmed, h.send_retries, h.files_open, h.process_cpu, h.process_rss_bytes, h.lines_rejected, h.source_restarts
        """;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresHeartbeatStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    public async Task RecordHeartbeatAsync(
        string agentUuid,
        HeartbeatRequest heartbeat,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(heartbeat);
        // One statement: the heartbeat, and when the agent was last seen.
        await using var command = _dataSource.CreateCommand($"""
            WITH seen AS (
                UPDATE agents SET last_seen = greatest(last_seen, $3) WHERE agent_uuid = $1)
            INSERT INTO heartbeats ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """);
        command.Parameters.AddWithValue(Guid.Parse(agentUuid));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>
        {
            TypedValue = heartbeat.Timestamp is null ? null : StorageTime.EventTime(heartbeat.Timestamp, receivedAt).ToUniversalTime(),
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz,
        });
        command.Parameters.AddWithValue(receivedAt.ToUniversalTime());
        command.Parameters.AddWithValue(heartbeat.Cpu);
        command.Parameters.AddWithValue(heartbeat.Memory);
        command.Parameters.AddWithValue(heartbeat.AgentVersion);
        command.Parameters.AddWithValue(unchecked((long)heartbeat.LinesRead));
        command.Parameters.AddWithValue(unchecked((long)heartbeat.LinesConfirmed));
        command.Parameters.AddWithValue(unchecked((long)heartbeat.BatchesUnconfirmed));
        command.Parameters.AddWithValue(unchecked((long)heartbeat.SendRetries));
        command.Parameters.AddWithValue((long)heartbeat.FilesOpen);
        command.Parameters.AddWithValue(heartbeat.ProcessCpu);
        command.Parameters.AddWithValue(unchecked((long)heartbeat.ProcessRssBytes));
        command.Parameters.AddWithValue(unchecked((long)heartbeat.LinesRejected));
        command.Parameters.AddWithValue(unchecked((long)heartbeat.SourceRestarts));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public long CountHeartbeats(string? agentUuid = null)
    {
        if (agentUuid is null)
        {
            return PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM heartbeats");
        }

        return PostgresDatabase.ParseUuid(agentUuid) is { } uuid
            ? PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM heartbeats WHERE agent_uuid = $1", uuid)
            : 0;
    }

    public IReadOnlyList<StoredHeartbeat> ReadHeartbeats(string? agentUuid = null)
    {
        using var command = _dataSource.CreateCommand();
        if (agentUuid is null)
        {
            command.CommandText = $"SELECT {SelectColumns} FROM heartbeats h ORDER BY h.id";
        }
        else if (PostgresDatabase.ParseUuid(agentUuid) is { } uuid)
        {
            command.CommandText = $"SELECT {SelectColumns} FROM heartbeats h WHERE h.agent_uuid = $1 ORDER BY h.id";
            command.Parameters.AddWithValue(uuid);
        }
        else
        {
            return [];
        }

        using var reader = command.ExecuteReader();
        var heartbeats = new List<StoredHeartbeat>();
        while (reader.Read())
        {
            heartbeats.Add(Read(reader, 0));
        }

        return heartbeats;
    }

    public async Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM heartbeats WHERE received_at < $1");
        command.Parameters.AddWithValue(cutoff.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One heartbeat from <see cref="SelectColumns"/>, starting at column <paramref name="first"/>.</summary>
    internal static StoredHeartbeat Read(NpgsqlDataReader reader, int first) =>
        new(
            AgentUuid: reader.GetGuid(first).ToString(),
            Timestamp: reader.IsDBNull(first + 1) ? null : reader.GetFieldValue<DateTimeOffset>(first + 1),
            ReceivedAt: reader.GetFieldValue<DateTimeOffset>(first + 2),
            Cpu: reader.GetDouble(first + 3),
            Memory: reader.GetDouble(first + 4),
            AgentVersion: reader.GetString(first + 5),
            LinesRead: unchecked((ulong)reader.GetInt64(first + 6)),
            LinesConfirmed: unchecked((ulong)reader.GetInt64(first + 7)),
            BatchesUnconfirmed: unchecked((ulong)reader.GetInt64(first + 8)),
            SendRetries: unchecked((ulong)reader.GetInt64(first + 9)),
            FilesOpen: (uint)reader.GetInt64(first + 10),
            ProcessCpu: reader.GetDouble(first + 11),
            ProcessRssBytes: unchecked((ulong)reader.GetInt64(first + 12)))
        {
            LinesRejected = unchecked((ulong)reader.GetInt64(first + 13)),
            SourceRestarts = unchecked((ulong)reader.GetInt64(first + 14)),
        };
}
