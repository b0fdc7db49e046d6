using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.Auth;

/// <summary>
/// Issues, validates, refreshes and revokes agent tokens. Tokens are opaque: 32 random bytes,
/// base64url. The store keeps only their SHA-256 hashes, so a copy of the database does not
/// hand out live tokens.
/// </summary>
public sealed class TokenService
{
    private const int TokenBytes = 32;

    private readonly LogStore _store;
    private readonly ServerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the service over <paramref name="store"/>, with lifetimes from <paramref name="options"/>.</summary>
    public TokenService(
        LogStore store,
        ServerOptions options,
        TimeProvider timeProvider,
        ILogger<TokenService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Issues a new access and refresh token to <paramref name="agentUuid"/>.</summary>
    public async Task<TokenPair> IssueAsync(string agentUuid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentUuid);
        var now = _timeProvider.GetUtcNow();
        var (pair, access, refresh) = NewPair(agentUuid, now);
        await _store.Agents.InsertTokenPairAsync(agentUuid, access, refresh, now, cancellationToken).ConfigureAwait(false);
        TokenServiceLog.TokensIssued(_logger, agentUuid, pair.AccessExpiresAt);
        return pair;
    }

    /// <summary>
    /// Exchanges a live refresh token of <paramref name="agentUuid"/> for a new pair; the
    /// presented refresh token is deleted in the same transaction, so it works once. Returns
    /// null when the token is unknown, expired, revoked or belongs to another agent.
    /// </summary>
    public async Task<TokenPair?> RefreshAsync(
        string agentUuid,
        string refreshToken,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agentUuid);
        ArgumentNullException.ThrowIfNull(refreshToken);
        if (agentUuid.Length == 0 || refreshToken.Length == 0)
        {
            TokenServiceLog.RefreshRefused(_logger, agentUuid);
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var (pair, access, refresh) = NewPair(agentUuid, now);
        var rotated = await _store
            .Agents.RotateRefreshTokenAsync(agentUuid, Hash(refreshToken), access, refresh, now, cancellationToken)
            .ConfigureAwait(false);
        if (!rotated)
        {
            TokenServiceLog.RefreshRefused(_logger, agentUuid);
            return null;
        }

        TokenServiceLog.RefreshTokenRotated(_logger, agentUuid);
        return pair;
    }

    /// <summary>
    /// The agent uuid a live access token belongs to, or null when the token is unknown,
    /// expired or revoked.
    /// </summary>
    public async Task<string?> ValidateAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        if (accessToken.Length == 0)
        {
            return null;
        }

        return await _store.Agents
            .FindAgentByAccessTokenAsync(Hash(accessToken), _timeProvider.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Revokes every refresh token of <paramref name="agentUuid"/>: its next <c>Refresh</c> is
    /// refused, and it has to register again.
    /// </summary>
    public void RevokeRefreshTokens(string agentUuid)
    {
        var count = _store.Agents.RevokeRefreshTokens(agentUuid);
        TokenServiceLog.RefreshTokensRevoked(_logger, count, agentUuid);
    }

    /// <summary>
    /// Expires every access token of <paramref name="agentUuid"/> now: its next Log or Health
    /// call is answered UNAUTHENTICATED, and it has to refresh.
    /// </summary>
    public void ExpireAccessTokens(string agentUuid)
    {
        var count = _store.Agents.ExpireAccessTokens(agentUuid, _timeProvider.GetUtcNow());
        TokenServiceLog.AccessTokensExpired(_logger, count, agentUuid);
    }

    private (TokenPair Pair, TokenRecord Access, TokenRecord Refresh) NewPair(string agentUuid, DateTimeOffset now)
    {
        var accessToken = NewToken();
        var refreshToken = NewToken();
        var pair = new TokenPair(
            agentUuid,
            accessToken,
            now + _options.AccessTokenLifetime,
            refreshToken,
            now + _options.RefreshTokenLifetime);
        return (
            pair,
            new TokenRecord(Hash(accessToken), pair.AccessExpiresAt),
            new TokenRecord(Hash(refreshToken), pair.RefreshExpiresAt));
    }

    /// <summary>32 random bytes, base64url: a token, or an agent secret.</summary>
    internal static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>SHA-256 of a token or secret, as stored: 32 random bytes need no slow hash.</summary>
    internal static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
