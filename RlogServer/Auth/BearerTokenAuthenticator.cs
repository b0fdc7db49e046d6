using Grpc.Core;
using Microsoft.Extensions.Logging;

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
    private readonly ILogger<BearerTokenAuthenticator> _logger;

    public BearerTokenAuthenticator(TokenService tokens, ILogger<BearerTokenAuthenticator> logger)
    {
        _tokens = tokens;
        _logger = logger;
    }

    /// <summary>
    /// Returns the uuid of the agent whose live access token the call carries; throws an
    /// <see cref="RpcException"/> with <see cref="StatusCode.Unauthenticated"/> otherwise.
    /// </summary>
    public string Authenticate(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(AuthorizationHeader);
        if (header is null || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            BearerTokenAuthenticatorLog.NoAccessToken(_logger, context.Method, context.Peer);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing bearer access token"));
        }

        var agentUuid = _tokens.ValidateAccessToken(header[BearerPrefix.Length..].Trim());
        if (agentUuid is null)
        {
            BearerTokenAuthenticatorLog.AccessTokenRefused(_logger, context.Method, context.Peer);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "access token is unknown, expired or revoked"));
        }

        return agentUuid;
    }
}
