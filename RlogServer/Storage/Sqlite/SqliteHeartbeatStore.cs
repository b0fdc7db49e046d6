using Microsoft.Data.Sqlite;
using Rlog.V1;

namespace RlogServer.Storage.Sqlite;

/// <summary>Heartbeats in SQLite, one row each.</summary>
internal sealed class SqliteHeartbeatStore : IHeartbeatStore
{
    private const string Columns = """
        agent_uuid, timestamp_ms, received_at_ms, cpu, memory, agent_version, lines_read, lines_confirmed,
        batches_unconfirmed, send_retries, files_open, process_cpu, process_rss_bytes, lines_rejected, source_restarts
        """;

    /// <summary>The columns <see cref="Read"/> reads, from <c>heartbeats h</c>: for this store and the console's.</summary>
    internal const string SelectColumns = """
        h.agent_uuid, h.timestamp_ms, h.received_at_ms, h.cpu, h.memory, h.agent_version, h.lines_read, h.lines_confirmed,
        h.batches_unconfirmed, h.send_retries, h.files_open, h.process_cpu, h.process_rss_bytes, h.lines_rejected, h.source_restarts
        """;

    private readonly SqliteDatabase _database;

    public SqliteHeartbeatStore(SqliteDatabase database)
    {
        _database = database;
    }

    public Task RecordHeartbeatAsync(
        string agentUuid,
        HeartbeatRequest heartbeat,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        ArgumentNullException.ThrowIfNull(heartbeat);
        return _database.WriteAsync(
            writer =>
            {
                using var command = SqliteDatabase.Command(writer, $"""
                    INSERT INTO heartbeats ({Columns})
                    VALUES
                        ($agent_uuid, $timestamp_ms, $received_at_ms, $cpu, $memory, $agent_version, $lines_read,
                         $lines_confirmed, $batches_unconfirmed, $send_retries, $files_open, $process_cpu, $process_rss_bytes,
                         $lines_rejected, $source_restarts);
                    UPDATE agents SET last_seen_ms = max(coalesce(last_seen_ms, 0), $received_at_ms) WHERE agent_uuid = $agent_uuid;
                    """);
                command.Parameters.AddWithValue("$agent_uuid", agentUuid);
                command.Parameters.AddWithValue("$timestamp_ms", (object?)StorageTime.ToUnixMilliseconds(heartbeat.Timestamp) ?? DBNull.Value);
                command.Parameters.AddWithValue("$received_at_ms", receivedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$cpu", heartbeat.Cpu);
                command.Parameters.AddWithValue("$memory", heartbeat.Memory);
                command.Parameters.AddWithValue("$agent_version", heartbeat.AgentVersion);
                command.Parameters.AddWithValue("$lines_read", unchecked((long)heartbeat.LinesRead));
                command.Parameters.AddWithValue("$lines_confirmed", unchecked((long)heartbeat.LinesConfirmed));
                command.Parameters.AddWithValue("$batches_unconfirmed", unchecked((long)heartbeat.BatchesUnconfirmed));
                command.Parameters.AddWithValue("$send_retries", unchecked((long)heartbeat.SendRetries));
                command.Parameters.AddWithValue("$files_open", (long)heartbeat.FilesOpen);
                command.Parameters.AddWithValue("$process_cpu", heartbeat.ProcessCpu);
                command.Parameters.AddWithValue("$process_rss_bytes", unchecked((long)heartbeat.ProcessRssBytes));
                command.Parameters.AddWithValue("$lines_rejected", unchecked((long)heartbeat.LinesRejected));
                command.Parameters.AddWithValue("$source_restarts", unchecked((long)heartbeat.SourceRestarts));
                return command.ExecuteNonQuery();
            },
            cancellationToken);
    }

    public long CountHeartbeats(string? agentUuid = null) =>
        _database.Read(connection => agentUuid is null
            ? SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM heartbeats")
            : SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM heartbeats WHERE agent_uuid = $agent_uuid", agentUuid));

    public IReadOnlyList<StoredHeartbeat> ReadHeartbeats(string? agentUuid = null) =>
        _database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(
                connection,
                agentUuid is null
                    ? $"SELECT {SelectColumns} FROM heartbeats h ORDER BY h.id"
                    : $"SELECT {SelectColumns} FROM heartbeats h WHERE h.agent_uuid = $agent_uuid ORDER BY h.id");
            if (agentUuid is not null)
            {
                command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            }

            using var reader = command.ExecuteReader();
            var heartbeats = new List<StoredHeartbeat>();
            while (reader.Read())
            {
                heartbeats.Add(Read(reader, 0));
            }

            return heartbeats;
        });

    public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        SqliteRetention.DeleteReceivedBeforeAsync(_database, "heartbeats", cutoff, cancellationToken);

    /// <summary>One heartbeat from <see cref="SelectColumns"/>, starting at column <paramref name="first"/>.</summary>
    internal static StoredHeartbeat Read(SqliteDataReader reader, int first) =>
        new(
            AgentUuid: reader.GetString(first),
            Timestamp: reader.IsDBNull(first + 1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 1)),
            ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 2)),
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
