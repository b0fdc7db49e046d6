using System.Collections.Concurrent;
using System.Data.Common;
using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary>
/// Records when an agent last sent lines, for the console's fleet status. Register and
/// Heartbeat record it in their own statements; a Send stream may carry many batches a second,
/// so this writes at most once per <see cref="Interval"/> per agent and replica: far finer
/// than the 90 s an agent may stay silent before it shows as late.
/// </summary>
internal sealed class AgentLastSeen
{
    /// <summary>Least time between two records of one agent's Send by this replica.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly LogStore _store;
    private readonly ILogger<AgentLastSeen> _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _noted = new(StringComparer.Ordinal);

    public AgentLastSeen(LogStore store, ILogger<AgentLastSeen> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>
    /// Records that <paramref name="agentUuid"/> sent at <paramref name="at"/>, unless it was
    /// recorded less than <see cref="Interval"/> before. Never throws: the batch is stored already,
    /// and failing its Send over this would only make the agent send it again.
    /// </summary>
    public async Task NoteAsync(string agentUuid, DateTimeOffset at)
    {
        if (_noted.TryGetValue(agentUuid, out var last) && at - last < Interval)
        {
            return;
        }

        _noted[agentUuid] = at;
        try
        {
            await _store.Console.TouchAgentAsync(agentUuid, at).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            _noted.TryRemove(agentUuid, out _);
            AgentLastSeenLog.NotRecorded(_logger, agentUuid, ex.Message);
        }
    }
}

internal static partial class AgentLastSeenLog
{
    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Could not record when agent {AgentUuid} was last seen: {Reason}")]
    public static partial void NotRecorded(ILogger logger, string agentUuid, string reason);
}
