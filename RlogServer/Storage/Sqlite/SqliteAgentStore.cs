using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>Agents, registrations, secrets and token hashes in SQLite. Times are Unix milliseconds.</summary>
internal sealed class SqliteAgentStore : IAgentStore
{
    private readonly SqliteDatabase _database;

    public SqliteAgentStore(SqliteDatabase database)
    {
        _database = database;
    }

    public Task<AgentSecretState> FindSecretAsync(string agentUuid, CancellationToken cancellationToken = default) =>
        Task.FromResult(_database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(connection, "SELECT secret_hash FROM agents WHERE agent_uuid = $agent_uuid");
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new AgentSecretState(true, reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0))
                : new AgentSecretState(false, null);
        }));

    public Task<bool> TryClaimAsync(string agentUuid, byte[] secretHash, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        _database.WriteAsync(
            writer =>
            {
                using var transaction = writer.BeginTransaction(deferred: false);
                using var command = SqliteDatabase.Command(writer, """
                    INSERT INTO agents (agent_uuid, first_registered_at_ms, last_registered_at_ms, secret_hash)
                    VALUES ($agent_uuid, $at, $at, $secret_hash)
                    ON CONFLICT (agent_uuid) DO UPDATE SET secret_hash = excluded.secret_hash
                    WHERE agents.secret_hash IS NULL
                    """, transaction);
                command.Parameters.AddWithValue("$agent_uuid", agentUuid);
                command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$secret_hash", secretHash);
                var claimed = command.ExecuteNonQuery() == 1;
                transaction.Commit();
                return claimed;
            },
            cancellationToken);

    public Task RecordRegistrationAsync(
        string agentUuid,
        string hostname,
        string os,
        string agentVersion,
        DateTimeOffset registeredAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        return _database.WriteAsync(
            writer =>
            {
                using var transaction = writer.BeginTransaction(deferred: false);
                using var command = SqliteDatabase.Command(writer, """
                    INSERT OR IGNORE INTO agents (agent_uuid, first_registered_at_ms, last_registered_at_ms)
                    VALUES ($agent_uuid, $at, $at);
                    UPDATE agents
                    SET hostname = $hostname, os = $os, agent_version = $agent_version, last_registered_at_ms = $at,
                        last_seen_ms = max(coalesce(last_seen_ms, 0), $at)
                    WHERE agent_uuid = $agent_uuid;
                    INSERT INTO registrations (agent_uuid, hostname, os, agent_version, registered_at_ms)
                    VALUES ($agent_uuid, $hostname, $os, $agent_version, $at);
                    """, transaction);
                command.Parameters.AddWithValue("$agent_uuid", agentUuid);
                command.Parameters.AddWithValue("$hostname", hostname);
                command.Parameters.AddWithValue("$os", os);
                command.Parameters.AddWithValue("$agent_version", agentVersion);
                command.Parameters.AddWithValue("$at", registeredAt.ToUnixTimeMilliseconds());
                command.ExecuteNonQuery();
                transaction.Commit();
                return 0;
            },
            cancellationToken);
    }

    public IReadOnlyList<string> AgentUuids() =>
        _database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(
                connection,
                "SELECT agent_uuid FROM agents ORDER BY first_registered_at_ms, agent_uuid");
            using var reader = command.ExecuteReader();
            var uuids = new List<string>();
            while (reader.Read())
            {
                uuids.Add(reader.GetString(0));
            }

            return uuids;
        });

    public long CountRegistrations(string agentUuid)
    {
        ArgumentNullException.ThrowIfNull(agentUuid);
        return _database.Read(connection =>
            SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM registrations WHERE agent_uuid = $agent_uuid", agentUuid));
    }

    public Task InsertTokenPairAsync(
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        _database.WriteAsync(
            writer =>
            {
                using var transaction = writer.BeginTransaction(deferred: false);
                using (var purge = SqliteDatabase.Command(
                    writer,
                    "DELETE FROM tokens WHERE agent_uuid = $agent_uuid AND expires_at_ms <= $now",
                    transaction))
                {
                    purge.Parameters.AddWithValue("$agent_uuid", agentUuid);
                    purge.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                    purge.ExecuteNonQuery();
                }

                InsertPair(writer, transaction, agentUuid, access, refresh, now);
                transaction.Commit();
                return 0;
            },
            cancellationToken);

    public Task<bool> RotateRefreshTokenAsync(
        string agentUuid,
        byte[] presentedRefreshHash,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        _database.WriteAsync(
            writer =>
            {
                using var transaction = writer.BeginTransaction(deferred: false);
                using (var spend = SqliteDatabase.Command(writer, """
                    DELETE FROM tokens
                    WHERE token_hash = $hash AND agent_uuid = $agent_uuid AND kind = $kind
                      AND revoked = 0 AND expires_at_ms > $now
                    """, transaction))
                {
                    spend.Parameters.AddWithValue("$hash", presentedRefreshHash);
                    spend.Parameters.AddWithValue("$agent_uuid", agentUuid);
                    spend.Parameters.AddWithValue("$kind", (long)TokenKind.Refresh);
                    spend.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                    if (spend.ExecuteNonQuery() != 1)
                    {
                        return false;
                    }
                }

                InsertPair(writer, transaction, agentUuid, access, refresh, now);
                transaction.Commit();
                return true;
            },
            cancellationToken);

    public Task<string?> FindAgentByAccessTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(_database.Read(connection =>
        {
            using var command = SqliteDatabase.Command(connection, """
                SELECT agent_uuid FROM tokens
                WHERE token_hash = $hash AND kind = $kind AND revoked = 0 AND expires_at_ms > $now
                """);
            command.Parameters.AddWithValue("$hash", hash);
            command.Parameters.AddWithValue("$kind", (long)TokenKind.Access);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return command.ExecuteScalar() as string;
        }));

    public int RevokeRefreshTokens(string agentUuid) =>
        _database.Write(writer =>
        {
            using var command = SqliteDatabase.Command(
                writer,
                "UPDATE tokens SET revoked = 1 WHERE agent_uuid = $agent_uuid AND kind = $kind AND revoked = 0");
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            command.Parameters.AddWithValue("$kind", (long)TokenKind.Refresh);
            return command.ExecuteNonQuery();
        });

    public int ExpireAccessTokens(string agentUuid, DateTimeOffset now) =>
        _database.Write(writer =>
        {
            using var command = SqliteDatabase.Command(writer, """
                UPDATE tokens SET expires_at_ms = $now
                WHERE agent_uuid = $agent_uuid AND kind = $kind AND expires_at_ms > $now
                """);
            command.Parameters.AddWithValue("$agent_uuid", agentUuid);
            command.Parameters.AddWithValue("$kind", (long)TokenKind.Access);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        });

    public long CountTokens() => _database.Read(connection => SqliteDatabase.Scalar(connection, "SELECT COUNT(*) FROM tokens"));

    public async Task<long> DeleteSpentTokensAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        await _database.WriteAsync(
            writer =>
            {
                using var command = SqliteDatabase.Command(
                    writer,
                    "DELETE FROM tokens WHERE expires_at_ms < $cutoff OR (revoked = 1 AND issued_at_ms < $cutoff)");
                command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                return (long)command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

    private static void InsertPair(
        SqliteConnection writer,
        SqliteTransaction transaction,
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now)
    {
        using var insert = SqliteDatabase.Command(writer, """
            INSERT INTO tokens (token_hash, agent_uuid, kind, issued_at_ms, expires_at_ms)
            VALUES ($hash, $agent_uuid, $kind, $issued_at_ms, $expires_at_ms)
            """, transaction);
        var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
        insert.Parameters.AddWithValue("$agent_uuid", agentUuid);
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        insert.Parameters.AddWithValue("$issued_at_ms", now.ToUnixTimeMilliseconds());
        var expiresAt = insert.Parameters.Add("$expires_at_ms", SqliteType.Integer);
        foreach (var (token, tokenKind) in new[] { (access, TokenKind.Access), (refresh, TokenKind.Refresh) })
        {
            hash.Value = token.Hash;
            kind.Value = (long)tokenKind;
            expiresAt.Value = token.ExpiresAt.ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
        }
    }
}
