using Rlog.V1;

namespace RlogServer.Storage;

/// <summary>Agents' heartbeats, one row each.</summary>
public interface IHeartbeatStore
{
    /// <summary>Records one heartbeat of <paramref name="agentUuid"/>.</summary>
    Task RecordHeartbeatAsync(
        string agentUuid,
        HeartbeatRequest heartbeat,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken = default);

    /// <summary>Counts recorded heartbeats, of one agent or of all.</summary>
    long CountHeartbeats(string? agentUuid = null);

    /// <summary>Reads recorded heartbeats in the order they arrived, of one agent or of all.</summary>
    IReadOnlyList<StoredHeartbeat> ReadHeartbeats(string? agentUuid = null);

    /// <summary>Deletes heartbeats received before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
