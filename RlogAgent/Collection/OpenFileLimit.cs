namespace RlogAgent.Collection;

/// <summary>The agent-wide bound on open file handles (<c>max_open_files</c>), shared by every source.</summary>
public sealed class OpenFileLimit
{
    private readonly int _max;
    private int _open;

    public OpenFileLimit(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        _max = max;
    }

    public int Max => _max;

    public int Open => Volatile.Read(ref _open);

    public bool TryTake()
    {
        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open >= _max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _open, open + 1, open) == open)
            {
                return true;
            }
        }
    }

    public void Return() => Interlocked.Decrement(ref _open);
}
