namespace RlogAgent.Pipeline;

/// <summary>
/// Bounds the bytes of line text held between reading and confirmation. Readers wait when it is
/// spent, so a server that is away leaves the lines in the files, not in memory. One item may
/// always enter when nothing is held, so a line larger than the budget cannot stall the agent.
/// </summary>
public sealed class ByteBudget
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _released = new(0);
    private readonly long _capacity;
    private long _used;
    private int _waiters;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    public long Used => Interlocked.Read(ref _used);

    /// <summary>Takes <paramref name="bytes"/> at once when they fit; false when the caller must wait.</summary>
    public bool TryAcquire(long bytes)
    {
        lock (_lock)
        {
            if (_used == 0 || _used + bytes <= _capacity)
            {
                _used += bytes;
                return true;
            }

            return false;
        }
    }

    public async ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_used == 0 || _used + bytes <= _capacity)
                {
                    _used += bytes;
                    return;
                }

                _waiters++;
            }

            try
            {
                await _released.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    _waiters--;
                }
            }
        }
    }

    public void Release(long bytes)
    {
        int waiters;
        lock (_lock)
        {
            _used = Math.Max(0, _used - bytes);
            waiters = _waiters;
        }

        if (waiters > 0)
        {
            _released.Release(waiters);
        }
    }
}
