namespace RlogServer.Auth;

internal static partial class BearerTokenAuthenticatorLog
{
    [LoggerMessage(EventId = 511, Level = LogLevel.Information, Message = "Refused {Method} from {Peer}: no bearer access token")]
    public static partial void NoAccessToken(ILogger logger, string method, string peer);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "Refused {Method} from {Peer}: the access token is unknown, expired or revoked")]
    public static partial void AccessTokenRefused(ILogger logger, string method, string peer);
}
