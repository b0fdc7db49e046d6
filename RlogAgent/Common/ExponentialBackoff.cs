namespace RlogAgent.Common;

/// <summary>
/// Delays between retries: doubling from <see cref="Initial"/> up to <see cref="Max"/>, each drawn
/// with "equal jitter" (half fixed, half random) so a fleet of agents does not retry in step.
/// <see cref="Reset"/> after a success. Random source injectable so tests can pin it.
/// </summary>
public sealed class ExponentialBackoff
{
    private readonly Random _random;
    private int _attempt;

    public ExponentialBackoff(TimeSpan initial, TimeSpan max, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        Initial = initial;
        Max = max;
        _random = random ?? Random.Shared;
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    public TimeSpan Next()
    {
        var ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (_random.NextDouble() * half));
    }

    public void Reset() => _attempt = 0;
}
