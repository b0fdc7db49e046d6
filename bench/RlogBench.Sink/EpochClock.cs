namespace RlogBench.Sink;

/// <summary>
/// Wall-clock microseconds since the Unix epoch: the one time base the sink and the bench script
/// share, so "agent started" (taken by the script) and "last line counted" (taken here) subtract.
/// </summary>
public static class EpochClock
{
    public static long NowMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
