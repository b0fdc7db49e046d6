using RlogServer.Storage.Console;

namespace RlogServer.Storage.Postgres;

/// <summary>The console's fleet (agents, their heartbeats, when they were last seen) and viewers' sessions.</summary>
internal sealed partial class PostgresConsoleStore
{
    private const string HeartbeatColumns = PostgresHeartbeatStore.SelectColumns;

    public async Task<IReadOnlyList<AgentSummary>> AgentsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"""
            SELECT a.agent_uuid, a.hostname, a.os, a.agent_version, a.first_registered_at,
                   coalesce(a.last_seen, a.last_registered_at), {HeartbeatColumns}
            FROM agents a
            LEFT JOIN LATERAL (
                SELECT * FROM heartbeats h WHERE h.agent_uuid = a.agent_uuid ORDER BY h.received_at DESC, h.id DESC LIMIT 1) h ON true
            ORDER BY a.hostname COLLATE "C", a.agent_uuid
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var agents = new List<AgentSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add(new AgentSummary(
                AgentUuid: reader.GetGuid(0).ToString(),
                Host: reader.GetString(1),
                Os: reader.GetString(2),
                RegisteredVersion: reader.GetString(3),
                FirstSeen: reader.GetFieldValue<DateTimeOffset>(4),
                LastSeen: reader.GetFieldValue<DateTimeOffset>(5),
                LastHeartbeat: reader.IsDBNull(6) ? null : PostgresHeartbeatStore.Read(reader, 6)));
        }

        return agents;
    }

    public async Task<IReadOnlyList<StoredHeartbeat>> HeartbeatsAsync(string agentUuid, TimeRange range, CancellationToken cancellationToken = default)
    {
        if (PostgresDatabase.ParseUuid(agentUuid) is not { } uuid)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand($"""
            SELECT {HeartbeatColumns} FROM heartbeats h
            WHERE h.agent_uuid = $1 AND h.received_at >= $2 AND h.received_at < $3
            ORDER BY h.received_at, h.id
            """);
        command.Parameters.AddWithValue(uuid);
        command.Parameters.AddWithValue(range.From.ToUniversalTime());
        command.Parameters.AddWithValue(range.To.ToUniversalTime());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var points = new List<StoredHeartbeat>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            points.Add(PostgresHeartbeatStore.Read(reader, 0));
        }

        return points;
    }

    public async Task TouchAgentAsync(string agentUuid, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE agents SET last_seen = $2 WHERE agent_uuid = $1 AND (last_seen IS NULL OR last_seen < $2)");
        command.Parameters.AddWithValue(Guid.Parse(agentUuid));
        command.Parameters.AddWithValue(at.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CreateSessionAsync(byte[] sessionHash, DateTimeOffset createdAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO console_sessions (session_hash, created_at, expires_at) VALUES ($1, $2, $3)");
        command.Parameters.AddWithValue(sessionHash);
        command.Parameters.AddWithValue(createdAt.ToUniversalTime());
        command.Parameters.AddWithValue(expiresAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> IsSessionLiveAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM console_sessions WHERE session_hash = $1 AND expires_at > $2)");
        command.Parameters.AddWithValue(sessionHash);
        command.Parameters.AddWithValue(now.ToUniversalTime());
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task DeleteSessionAsync(byte[] sessionHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "DELETE FROM console_sessions WHERE session_hash = $1 OR expires_at <= $2");
        command.Parameters.AddWithValue(sessionHash);
        command.Parameters.AddWithValue(now.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
