using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary>
/// <c>rlog.v1.AuthService</c>: registers agents that know a project key and exchanges refresh
/// tokens for new pairs.
/// </summary>
internal sealed class AgentAuthService : AuthService.AuthServiceBase
{
    private readonly byte[][] _projectKeys;
    private readonly LogStore _store;
    private readonly TokenService _tokens;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AgentAuthService> _logger;

    public AgentAuthService(
        ServerOptions options,
        LogStore store,
        TokenService tokens,
        TimeProvider timeProvider,
        ILogger<AgentAuthService> logger)
    {
        _projectKeys = options.ProjectKeys.Select(Encoding.UTF8.GetBytes).ToArray();
        _store = store;
        _tokens = tokens;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        if (!IsProjectKey(request.ProjectKey))
        {
            AgentAuthServiceLog.UnknownProjectKey(_logger, context.Peer, request.Hostname);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "unknown project key"));
        }

        string agentUuid;
        if (request.AgentUuid.Length == 0)
        {
            // Version 7: time-ordered, so agents sort by when they first registered.
            agentUuid = Guid.CreateVersion7().ToString();
        }
        else if (Guid.TryParse(request.AgentUuid, out var given))
        {
            agentUuid = given.ToString();
        }
        else
        {
            AgentAuthServiceLog.MalformedAgentUuid(_logger, context.Peer, request.Hostname);
            throw new RpcException(new Status(StatusCode.InvalidArgument, "agent_uuid is not a uuid"));
        }

        var isNew = await _store
            .RecordRegistrationAsync(
                agentUuid,
                request.Hostname,
                request.Os,
                request.AgentVersion,
                _timeProvider.GetUtcNow(),
                context.CancellationToken)
            .ConfigureAwait(false);
        var pair = await _tokens.IssueAsync(agentUuid, context.CancellationToken).ConfigureAwait(false);

        if (isNew)
        {
            AgentAuthServiceLog.Registered(_logger, agentUuid, request.Hostname, request.Os, request.AgentVersion);
        }
        else
        {
            AgentAuthServiceLog.Reregistered(_logger, agentUuid, request.Hostname, request.AgentVersion);
        }

        return new RegisterResponse
        {
            AgentUuid = agentUuid,
            AccessToken = pair.AccessToken,
            RefreshToken = pair.RefreshToken,
            AccessExpiresAt = Timestamp.FromDateTimeOffset(pair.AccessExpiresAt),
        };
    }

    public override async Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context)
    {
        // Tokens were issued to the uuid in its canonical form; accept any spelling of it.
        var agentUuid = Guid.TryParse(request.AgentUuid, out var given) ? given.ToString() : request.AgentUuid;
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
