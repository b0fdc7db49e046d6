namespace RlogAgent.Collection.Parsing;

/// <summary>
/// Lets one report through per interval, shared by a source's event processors (which may run on
/// several threads), so a source that does not parse logs one line a minute, not one per worker.
/// </summary>
public sealed class FailureReportGate(TimeProvider time, TimeSpan interval)
{
    private long _last = long.MinValue;

    /// <summary>True when the caller should report now: nothing was reported within the interval.</summary>
    public bool TryEnter()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _last);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < interval)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref _last, now, last) == last;
    }
}
