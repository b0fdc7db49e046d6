namespace RlogServer.Storage;

/// <summary>
/// Agents, their registrations and secrets, and the hashes of their tokens. Everything a
/// replica needs to serve any agent lives here, none of it in process memory.
/// </summary>
public interface IAgentStore
{
    /// <summary>
    /// Whether <paramref name="agentUuid"/> is known, and the hash of its secret (null when it
    /// registered before the server issued secrets, or has none).
    /// </summary>
    Task<AgentSecretState> FindSecretAsync(string agentUuid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives <paramref name="agentUuid"/> the secret hashed as <paramref name="secretHash"/> if
    /// it is unknown or has no secret yet. Returns false, changing nothing, when it already has
    /// one: the caller lost a race with another registration, and must not get this uuid.
    /// </summary>
    Task<bool> TryClaimAsync(string agentUuid, byte[] secretHash, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a successful registration of <paramref name="agentUuid"/> (the agent row exists
    /// after <see cref="TryClaimAsync"/> or is created here).
    /// </summary>
    Task RecordRegistrationAsync(
        string agentUuid,
        string hostname,
        string os,
        string agentVersion,
        DateTimeOffset registeredAt,
        CancellationToken cancellationToken = default);

    /// <summary>The uuids of every agent that ever registered, in order of first registration.</summary>
    IReadOnlyList<string> AgentUuids();

    /// <summary>How many <c>Register</c> calls succeeded for <paramref name="agentUuid"/>.</summary>
    long CountRegistrations(string agentUuid);

    /// <summary>Stores a fresh token pair and forgets the agent's tokens expired by <paramref name="now"/>.</summary>
    Task InsertTokenPairAsync(
        string agentUuid,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: deletes the live refresh token hashed as <paramref name="presentedRefreshHash"/>
    /// (a spent token is of no use to anyone) and stores the new pair. Returns false, changing
    /// nothing, when the presented token is not a live refresh token of the agent.
    /// </summary>
    Task<bool> RotateRefreshTokenAsync(
        string agentUuid,
        byte[] presentedRefreshHash,
        TokenRecord access,
        TokenRecord refresh,
        DateTimeOffset now,
        CancellationToken cancellationToken);

    /// <summary>The agent a live access token hashed as <paramref name="hash"/> belongs to, or null.</summary>
    Task<string?> FindAgentByAccessTokenAsync(byte[] hash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Revokes every refresh token of <paramref name="agentUuid"/>; returns how many were live.</summary>
    int RevokeRefreshTokens(string agentUuid);

    /// <summary>Makes every access token of <paramref name="agentUuid"/> expired as of <paramref name="now"/>.</summary>
    int ExpireAccessTokens(string agentUuid, DateTimeOffset now);

    /// <summary>How many token rows the store holds (live, expired or revoked).</summary>
    long CountTokens();

    /// <summary>Deletes tokens that expired, or were revoked, before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> DeleteSpentTokensAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
