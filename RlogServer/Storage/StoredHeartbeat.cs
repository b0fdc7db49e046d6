namespace RlogServer.Storage;

/// <summary>One heartbeat as the server recorded it; field meanings follow <c>HeartbeatRequest</c>.</summary>
public sealed record StoredHeartbeat(
    string AgentUuid,
    DateTimeOffset? Timestamp,
    DateTimeOffset ReceivedAt,
    double Cpu,
    double Memory,
    string AgentVersion,
    ulong LinesRead,
    ulong LinesConfirmed,
    ulong BatchesUnconfirmed,
    ulong SendRetries,
    uint FilesOpen,
    double ProcessCpu,
    ulong ProcessRssBytes)
{
    /// <summary>Lines the server refused, which the agent set aside (<c>HeartbeatRequest.lines_rejected</c>).</summary>
    public ulong LinesRejected { get; init; }

    /// <summary>Times a source's reader failed and was started again (<c>HeartbeatRequest.source_restarts</c>).</summary>
    public ulong SourceRestarts { get; init; }
}
