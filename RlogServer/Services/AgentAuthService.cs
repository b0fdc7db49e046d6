using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Rlog.V1;
using RlogServer.Auth;
using RlogServer.Common;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary>
/// <c>rlog.v1.AuthService</c>: registers agents that know a project key and exchanges refresh
/// tokens for new pairs. An agent gets a secret at its first registration (stored hashed);
/// a uuid with a secret on record is handed only to a caller presenting that secret, so the
/// project key alone does not let one host write as another.
/// </summary>
internal sealed class AgentAuthService : AuthService.AuthServiceBase
{
    private readonly byte[][] _projectKeys;
    private readonly bool _issueSecrets;
    private readonly LogStore _store;
    private readonly TokenService _tokens;
    private readonly AuthRateLimiter _rateLimiter;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AgentAuthService> _logger;

    public AgentAuthService(
        ServerOptions options,
        LogStore store,
        TokenService tokens,
        AuthRateLimiter rateLimiter,
        TimeProvider timeProvider,
        ILogger<AgentAuthService> logger)
    {
        _projectKeys = options.ProjectKeys.Select(Encoding.UTF8.GetBytes).ToArray();
        _issueSecrets = options.IssueAgentSecrets;
        _store = store;
        _tokens = tokens;
        _rateLimiter = rateLimiter;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        var peer = LogText.Cut(context.Peer);
        var hostname = LogText.Cut(request.Hostname);
        _rateLimiter.ThrowIfLimited(context);
        if (!IsProjectKey(request.ProjectKey))
        {
            AgentAuthServiceLog.UnknownProjectKey(_logger, peer, hostname);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "unknown project key"));
        }

        string agentUuid;
        if (request.AgentUuid.Length == 0)
        {
            agentUuid = NewUuid();
        }
        else if (Guid.TryParse(request.AgentUuid, out var given))
        {
            agentUuid = given.ToString();
        }
        else
        {
            AgentAuthServiceLog.MalformedAgentUuid(_logger, peer, hostname);
            throw new RpcException(new Status(StatusCode.InvalidArgument, "agent_uuid is not a uuid"));
        }

        var now = _timeProvider.GetUtcNow();
        var cancellationToken = context.CancellationToken;
        var known = await _store.Agents.FindSecretAsync(agentUuid, cancellationToken).ConfigureAwait(false);
        var secret = string.Empty;
        if (!_issueSecrets)
        {
            // The uuid alone, as before secrets existed.
        }
        else if (known.SecretHash is { } onRecord)
        {
            if (!PresentsSecret(request.AgentSecret, onRecord))
            {
                // Someone else's uuid, or an agent that lost its secret file: either way not this uuid.
                AgentAuthServiceLog.SecretMismatch(_logger, agentUuid, peer, hostname);
                (agentUuid, secret) = await ClaimNewAsync(now, cancellationToken).ConfigureAwait(false);
                known = default;
            }
        }
        else
        {
            // A new uuid, or one registered before secrets existed: the first to claim it gets it.
            secret = TokenService.NewToken();
            if (!await _store.Agents.TryClaimAsync(agentUuid, TokenService.Hash(secret), now, cancellationToken).ConfigureAwait(false))
            {
                AgentAuthServiceLog.SecretMismatch(_logger, agentUuid, peer, hostname);
                (agentUuid, secret) = await ClaimNewAsync(now, cancellationToken).ConfigureAwait(false);
                known = default;
            }
        }

        await _store.Agents
            .RecordRegistrationAsync(agentUuid, request.Hostname, request.Os, request.AgentVersion, now, cancellationToken)
            .ConfigureAwait(false);
        var pair = await _tokens.IssueAsync(agentUuid, cancellationToken).ConfigureAwait(false);

        if (known.Exists)
        {
            AgentAuthServiceLog.Reregistered(_logger, agentUuid, hostname, LogText.Cut(request.AgentVersion));
        }
        else
        {
            AgentAuthServiceLog.Registered(_logger, agentUuid, hostname, LogText.Cut(request.Os), LogText.Cut(request.AgentVersion));
        }

        return new RegisterResponse
        {
            AgentUuid = agentUuid,
            AccessToken = pair.AccessToken,
            RefreshToken = pair.RefreshToken,
            AccessExpiresAt = Timestamp.FromDateTimeOffset(pair.AccessExpiresAt),
            AgentSecret = secret,
        };
    }

    public override async Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context)
    {
        _rateLimiter.ThrowIfLimited(context);
        // Tokens were issued to the uuid in its canonical form; accept any spelling of it.
        var agentUuid = Guid.TryParse(request.AgentUuid, out var given) ? given.ToString() : LogText.Cut(request.AgentUuid);
        var pair = await _tokens
            .RefreshAsync(agentUuid, request.RefreshToken, context.CancellationToken)
            .ConfigureAwait(false);
        if (pair is null)
        {
            throw new RpcException(new Status(
                StatusCode.Unauthenticated,
                "refresh token is unknown, expired or revoked; register again"));
        }

        return new RefreshResponse
        {
            AccessToken = pair.AccessToken,
            RefreshToken = pair.RefreshToken,
            AccessExpiresAt = Timestamp.FromDateTimeOffset(pair.AccessExpiresAt),
        };
    }

    private async Task<(string Uuid, string Secret)> ClaimNewAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var uuid = NewUuid();
        var secret = TokenService.NewToken();
        // A fresh random uuid is nobody's: the claim cannot lose.
        await _store.Agents.TryClaimAsync(uuid, TokenService.Hash(secret), now, cancellationToken).ConfigureAwait(false);
        return (uuid, secret);
    }

    // Version 7: time-ordered, so agents sort by when they first registered.
    private static string NewUuid() => Guid.CreateVersion7().ToString();

    private static bool PresentsSecret(string presented, byte[] onRecord) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(TokenService.Hash(presented), onRecord);

    // Every key is compared, in constant time, so the answer's timing tells nothing about
    // how much of a guess was right.
    private bool IsProjectKey(string presented)
    {
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var key in _projectKeys)
        {
            match |= CryptographicOperations.FixedTimeEquals(presentedBytes, key);
        }

        return match && presentedBytes.Length > 0;
    }
}
