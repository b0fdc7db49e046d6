namespace RlogServer.Services;

// Project keys, secrets and tokens are never logged; a refused caller is named by peer and
// hostname, both cut (LogText) since the caller chose them.
internal static partial class AgentAuthServiceLog
{
    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Registered new agent {AgentUuid} on {Hostname} ({Os}), agent version {AgentVersion}")]
    public static partial void Registered(ILogger logger, string agentUuid, string hostname, string os, string agentVersion);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Re-registered agent {AgentUuid} on {Hostname}, agent version {AgentVersion}")]
    public static partial void Reregistered(ILogger logger, string agentUuid, string hostname, string agentVersion);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Refused to register {Peer} (hostname {Hostname}): unknown project key")]
    public static partial void UnknownProjectKey(ILogger logger, string peer, string hostname);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Refused to register {Peer} (hostname {Hostname}): agent_uuid is not a uuid")]
    public static partial void MalformedAgentUuid(ILogger logger, string peer, string hostname);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "{Peer} (hostname {Hostname}) asked for agent {AgentUuid} without its secret: given a new uuid instead")]
    public static partial void SecretMismatch(ILogger logger, string agentUuid, string peer, string hostname);
}
