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
    ulong ProcessRssBytes);
