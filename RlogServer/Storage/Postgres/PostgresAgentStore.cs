using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>Agents, registrations, secrets and token hashes in PostgreSQL.</summary>
internal sealed class PostgresAgentStore : IAgentStore
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresAgentStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    public async Task<AgentSecretState> FindSecretAsync(string agentUuid, CancellationToken cancellationToken = default)
    {
        if (PostgresDatabase.ParseUuid(agentUuid) is not { } uuid)
        {
            return new AgentSecretState(false, null);
        }

        await using var command = _dataSource.CreateCommand("SELECT secret_hash FROM agents WHERE agent_uuid = $1");
        command.Parameters.AddWithValue(uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AgentSecretState(true, reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0))
            : new AgentSecretState(false, null);
    }

    public async Task<bool> TryClaimAsync(string agentUuid, byte[] secretHash, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        // One statement: the row lock of the conflict makes two replicas claiming one uuid at
        // once see each other, and only one of them updates a NULL secret.
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO agents (agent_uuid, first_registered_at, last_registered_at, secret_hash)
            VALUES ($1, $2, $2, $3)
            ON CONFLICT (agent_uuid) DO UPDATE SET secret_hash = excluded.secret_hash
            WHERE agents.secret_hash IS NULL
            """);
        command.Parameters.AddWithValue(Guid.Parse(agentUuid));
        command.Parameters.AddWithValue(at.ToUniversalTime());
        command.Parameters.AddWithValue(secretHash);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task RecordRegistrationAsync(
        string agentUuid,
        string hostname,
        string os,
        string agentVersion,
        DateTimeOffset registeredAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        await using var batch = _dataSource.CreateBatch();
        var uuid = Guid.Parse(agentUuid);
        var at = registeredAt.ToUniversalTime();
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO agents (agent_uuid, hostname, os, agent_version, first_registered_at, last_registered_at, last_seen)
            VALUES ($1, $2, $3, $4, $5, $5, $5)
            ON CONFLICT (agent_uuid) DO UPDATE
            SET hostname = excluded.hostname, os = excluded.os, agent_version = excluded.agent_version,
                last_registered_at = excluded.last_registered_at,
                last_seen = greatest(agents.last_seen, excluded.last_seen)
            """);
        var history = new NpgsqlBatchCommand("""
            INSERT INTO registrations (agent_uuid, hostname, os, agent_version, registered_at)
            VALUES ($1, $2, $3, $4, $5)
            """);
        foreach (var command in new[] { upsert, history })
        {
            command.Parameters.AddWithValue(uuid);
            command.Parameters.AddWithValue(hostname);
            command.Parameters.AddWithValue(os);
            command.Parameters.AddWithValue(agentVersion);
            command.Parameters.AddWithValue(at);
            batch.BatchCommands.Add(command);
        }

        // A batch without an explicit transaction runs as one implicit transaction.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public IReadOnlyList<string> AgentUuids()
    {
        using var command = _dataSource.CreateCommand("SELECT agent_uuid FROM agents ORDER BY first_registered_at, agent_uuid");
        using var reader = command.ExecuteReader();
        var uuids = new List<string>();
        while (reader.Read())
        {
            uuids.Add(reader.GetGuid(0).ToString());
        }

        return uuids;
    }

    public long CountRegistrations(string agentUuid)
    {
        ArgumentNullException.ThrowIfNull(agentUuid);
        return PostgresDatabase.ParseUuid(agentUuid) is { } uuid
            ? PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM registrations WHERE agent_uuid = $1", uuid)
            : 0;
    }

    public async Task InsertTokenPairAsync(
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var uuid = Guid.Parse(agentUuid);
        await using var batch = _dataSource.CreateBatch();
        var purge = new NpgsqlBatchCommand("DELETE FROM tokens WHERE agent_uuid = $1 AND expires_at <= $2");
        purge.Parameters.AddWithValue(uuid);
        purge.Parameters.AddWithValue(now.ToUniversalTime());
        batch.BatchCommands.Add(purge);
        batch.BatchCommands.Add(InsertPair(uuid, access, refresh, now));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RotateRefreshTokenAsync(
        string agentUuid,
        byte[] presentedRefreshHash,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (PostgresDatabase.ParseUuid(agentUuid) is not { } uuid)
        {
            return false;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // DELETE is the row lock: of two replicas spending one token at once, one deletes it.
        await using (var spend = new NpgsqlCommand(
            """
            DELETE FROM tokens
            WHERE token_hash = $1 AND agent_uuid = $2 AND kind = $3 AND NOT revoked AND expires_at > $4
            """,
            connection,
            transaction))
        {
            spend.Parameters.AddWithValue(presentedRefreshHash);
            spend.Parameters.AddWithValue(uuid);
            spend.Parameters.AddWithValue((short)TokenKind.Refresh);
            spend.Parameters.AddWithValue(now.ToUniversalTime());
            if (await spend.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(InsertPair(uuid, access, refresh, now));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<string?> FindAgentByAccessTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT agent_uuid FROM tokens WHERE token_hash = $1 AND kind = $2 AND NOT revoked AND expires_at > $3");
        command.Parameters.AddWithValue(hash);
        command.Parameters.AddWithValue((short)TokenKind.Access);
        command.Parameters.AddWithValue(now.ToUniversalTime());
        var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return found is Guid uuid ? uuid.ToString() : null;
    }

    public int RevokeRefreshTokens(string agentUuid)
    {
        if (PostgresDatabase.ParseUuid(agentUuid) is not { } uuid)
        {
            return 0;
        }

        using var command = _dataSource.CreateCommand(
            "UPDATE tokens SET revoked = true WHERE agent_uuid = $1 AND kind = $2 AND NOT revoked");
        command.Parameters.AddWithValue(uuid);
        command.Parameters.AddWithValue((short)TokenKind.Refresh);
        return command.ExecuteNonQuery();
    }

    public int ExpireAccessTokens(string agentUuid, DateTimeOffset now)
    {
        if (PostgresDatabase.ParseUuid(agentUuid) is not { } uuid)
        {
            return 0;
        }

        using var command = _dataSource.CreateCommand(
            "UPDATE tokens SET expires_at = $3 WHERE agent_uuid = $1 AND kind = $2 AND expires_at > $3");
        command.Parameters.AddWithValue(uuid);
        command.Parameters.AddWithValue((short)TokenKind.Access);
        command.Parameters.AddWithValue(now.ToUniversalTime());
        return command.ExecuteNonQuery();
    }

    public long CountTokens() => PostgresDatabase.Count(_dataSource, "SELECT count(*) FROM tokens");

    public async Task<long> DeleteSpentTokensAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "DELETE FROM tokens WHERE expires_at < $1 OR (revoked AND issued_at < $1)");
        command.Parameters.AddWithValue(cutoff.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand InsertPair(Guid agentUuid, TokenRecord access, TokenRecord refresh, DateTimeOffset now)
    {
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO tokens (token_hash, agent_uuid, kind, issued_at, expires_at)
            VALUES ($1, $2, $3, $4, $5), ($6, $2, $7, $4, $8)
            """);
        insert.Parameters.AddWithValue(access.Hash);
        insert.Parameters.AddWithValue(agentUuid);
        insert.Parameters.AddWithValue((short)TokenKind.Access);
        insert.Parameters.AddWithValue(now.ToUniversalTime());
        insert.Parameters.AddWithValue(access.ExpiresAt.ToUniversalTime());
        insert.Parameters.AddWithValue(refresh.Hash);
        insert.Parameters.AddWithValue((short)TokenKind.Refresh);
        insert.Parameters.AddWithValue(refresh.ExpiresAt.ToUniversalTime());
        return insert;
    }
}
