namespace RlogServer.Auth;

// Tokens never appear in these messages, not even in part: an agent uuid is what identifies a call.
internal static partial class TokenServiceLog
{
    [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "Issued tokens to agent {AgentUuid}, access token valid until {AccessExpiresAt}")]
    public static partial void TokensIssued(ILogger logger, string agentUuid, DateTimeOffset accessExpiresAt);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "Rotated the refresh token of agent {AgentUuid}")]
    public static partial void RefreshTokenRotated(ILogger logger, string agentUuid);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Refused a refresh for agent {AgentUuid}: the refresh token is unknown, expired, revoked or another agent's")]
    public static partial void RefreshRefused(ILogger logger, string agentUuid);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Revoked {Count} refresh tokens of agent {AgentUuid}")]
    public static partial void RefreshTokensRevoked(ILogger logger, int count, string agentUuid);

    [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "Expired {Count} access tokens of agent {AgentUuid}")]
    public static partial void AccessTokensExpired(ILogger logger, int count, string agentUuid);
}
