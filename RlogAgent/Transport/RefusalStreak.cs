namespace RlogAgent.Transport;

/// <summary>
/// Counts refusals in a row while a refused batch is split down: every single-batch call the server
/// refuses, with no call it accepts in between. A batch with a few bad lines leaves a short streak
/// (about log2(batch size) plus the bad lines); a streak of <see cref="Limit"/> means whole batches
/// are refused line by line, and then the server is more likely broken than the data: the sender
/// stops setting lines aside and backs off instead. The count survives a trip, so after a backoff the
/// first refusal trips again at once rather than probing a broken server all over.
/// </summary>
public sealed class RefusalStreak
{
    /// <summary>Refused calls in a row at which the sender stops and backs off. 64: a 1000-line batch with 20 adjacent bad lines stays well under it.</summary>
    public const int DefaultLimit = 64;

    private int _inARow;

    public RefusalStreak(int limit = DefaultLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    public int Limit { get; }

    /// <summary>Refusals since the server last accepted something.</summary>
    public int InARow => _inARow;

    /// <summary>True once the streak has reached <see cref="Limit"/>.</summary>
    public bool Tripped => _inARow >= Limit;

    /// <summary>The server refused a call; returns <see cref="Tripped"/>.</summary>
    public bool AddRefusal()
    {
        _inARow++;
        return Tripped;
    }

    /// <summary>The server accepted a call: whatever it refused before was the data, not the server.</summary>
    public void Reset() => _inARow = 0;
}
