using System.Collections.Concurrent;

namespace RlogServer.Services;

/// <summary>
/// Caps the <c>Send</c> calls one agent may have open at once on this replica. A well-behaved agent
/// has one call open (and one probe while it splits a refused batch); a leaked key or a cloned
/// state folder would otherwise open calls without bound, each holding its messages in memory.
/// </summary>
internal sealed class SendCallLimiter
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly int _maxPerAgent;

    public SendCallLimiter(int maxPerAgent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAgent, 1);
        _maxPerAgent = maxPerAgent;
    }

    public int MaxPerAgent => _maxPerAgent;

    /// <summary>Takes a call slot for the agent; false when it already has the most allowed. Pair a true with <see cref="Exit"/>.</summary>
    public bool TryEnter(string agentUuid)
    {
        while (true)
        {
            var open = _open.GetOrAdd(agentUuid, 0);
            if (open >= _maxPerAgent)
            {
                return false;
            }

            if (_open.TryUpdate(agentUuid, open + 1, open))
            {
                return true;
            }
        }
    }

    public void Exit(string agentUuid)
    {
        while (true)
        {
            var open = _open[agentUuid];
            if (open <= 1)
            {
                // The entry goes with the last call, so the map holds only agents with calls open.
                if (_open.TryRemove(new KeyValuePair<string, int>(agentUuid, open)))
                {
                    return;
                }
            }
            else if (_open.TryUpdate(agentUuid, open - 1, open))
            {
                return;
            }
        }
    }

    /// <summary>Calls <paramref name="agentUuid"/> has open now.</summary>
    public int OpenCalls(string agentUuid) => _open.GetValueOrDefault(agentUuid);

    /// <summary>Agents with at least one call open (for tests and metrics).</summary>
    public int AgentsWithCalls => _open.Count;
}
