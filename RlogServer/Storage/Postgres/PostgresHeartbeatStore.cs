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
            command.CommandText = $"SELECT {Columns} FROM heartbeats ORDER BY id";
        }
        else if (PostgresDatabase.ParseUuid(agentUuid) is { } uuid)
        {
            command.CommandText = $"SELECT {Columns} FROM heartbeats WHERE agent_uuid = $1 ORDER BY id";
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
            heartbeats.Add(new StoredHeartbeat(
                AgentUuid: reader.GetGuid(0).ToString(),
                Timestamp: reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                ReceivedAt: reader.GetFieldValue<DateTimeOffset>(2),
                Cpu: reader.GetDouble(3),
                Memory: reader.GetDouble(4),
                AgentVersion: reader.GetString(5),
                LinesRead: unchecked((ulong)reader.GetInt64(6)),
                LinesConfirmed: unchecked((ulong)reader.GetInt64(7)),
                BatchesUnconfirmed: unchecked((ulong)reader.GetInt64(8)),
                SendRetries: unchecked((ulong)reader.GetInt64(9)),
                FilesOpen: (uint)reader.GetInt64(10),
                ProcessCpu: reader.GetDouble(11),
                ProcessRssBytes: unchecked((ulong)reader.GetInt64(12)))
            {
                LinesRejected = unchecked((ulong)reader.GetInt64(13)),
                SourceRestarts = unchecked((ulong)reader.GetInt64(14)),
            });
        }

        return heartbeats;
    }

    public async Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM heartbeats WHERE received_at < $1");
        command.Parameters.AddWithValue(cutoff.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
