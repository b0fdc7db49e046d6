namespace RlogServer.Storage.Console;

/// <summary>
/// One agent as the console's fleet table shows it: its last registration, when it was last
/// heard from, and its last heartbeat (null before the first).
/// </summary>
public sealed record AgentSummary(
    string AgentUuid,
    string Host,
    string Os,
    string RegisteredVersion,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    StoredHeartbeat? LastHeartbeat)
{
    /// <summary>The version the agent last reported: its last heartbeat's, else its registration's.</summary>
    public string Version => LastHeartbeat is { AgentVersion.Length: > 0 } heartbeat ? heartbeat.AgentVersion : RegisteredVersion;
}
