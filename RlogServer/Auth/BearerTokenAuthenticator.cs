using Grpc.Core;
using RlogServer.Common;
using RlogServer.Metrics;

namespace RlogServer.Auth;

/// <summary>
/// Checks the <c>authorization: Bearer</c> access token of a Log or Health call and names the
/// agent it belongs to. Services call it first, before they read any request message.
/// </summary>
internal sealed class BearerTokenAuthenticator
{
    private const string AuthorizationHeader = "authorization";
    private const string BearerPrefix = "Bearer ";

    private readonly TokenService _tokens;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<BearerTokenAuthenticator> _logger;

    public BearerTokenAuthenticator(TokenService tokens, ServerMetrics metrics, ILogger<BearerTokenAuthenticator> logger)
    {
        _tokens = tokens;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Returns the uuid of the agent whose live access token the call carries; throws an
    /// <see cref="RpcException"/> with <see cref="StatusCode.Unauthenticated"/> otherwise.
    /// </summary>
    public async Task<string> AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(AuthorizationHeader);
        if (header is null || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            BearerTokenAuthenticatorLog.NoAccessToken(_logger, context.Method, LogText.Cut(context.Peer));
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing bearer access token"));
        }

        var agentUuid = await _tokens
            .ValidateAccessTokenAsync(header[BearerPrefix.Length..].Trim(), context.CancellationToken)
            .ConfigureAwait(false);
        if (agentUuid is null)
        {
            BearerTokenAuthenticatorLog.AccessTokenRefused(_logger, context.Method, LogText.Cut(context.Peer));
            throw new RpcException(new Status(StatusCode.Unauthenticated, "access token is unknown, expired or revoked"));
        }

        _metrics.AgentSeen(agentUuid);
        return agentUuid;
    }
}
