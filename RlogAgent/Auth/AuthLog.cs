using Microsoft.Extensions.Logging;

namespace RlogAgent.Auth;

internal static partial class AuthLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Registered with the server as agent {AgentUuid}")]
    public static partial void Registered(ILogger logger, string agentUuid);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Access token refreshed; it expires at {ExpiresAt}")]
    public static partial void Refreshed(ILogger logger, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "The server refused the refresh token; registering again as agent {AgentUuid}")]
    public static partial void RefreshRefused(ILogger logger, string agentUuid);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "The server {Server} rejected the project key (PERMISSION_DENIED): check project_key in {ConfigPath}. Retrying in {Delay}")]
    public static partial void ProjectKeyRejected(ILogger logger, string server, string configPath, string delay);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Cannot reach the server {Server} for {Operation} ({Status}: {Detail}); retrying in {Delay}")]
    public static partial void AuthUnavailable(ILogger logger, string server, string operation, string status, string detail, string delay);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "The server gave this agent a new uuid {NewAgentUuid} in place of {OldAgentUuid} (its secret was missing or not accepted)")]
    public static partial void UuidReplaced(ILogger logger, string oldAgentUuid, string newAgentUuid);
}
