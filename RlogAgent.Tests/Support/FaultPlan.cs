namespace RlogAgent.Tests.Support;

/// <summary>What <see cref="FaultInjector"/> does to the server's calls; tests change it while the agent runs.</summary>
public sealed class FaultPlan
{
    private int _abortsLeft;
    private int _sendCalls;

    /// <summary>Abort a Send call with UNAVAILABLE after this many batches (0: never), while aborts are left.</summary>
    public int AbortSendAfterBatches { get; set; }

    /// <summary>Every Send call ends with <see cref="FailSendsWith"/> before reading anything.</summary>
    public bool FailSends { get; set; }

    /// <summary>The status <see cref="FailSends"/> answers. Default UNAVAILABLE.</summary>
    public Grpc.Core.StatusCode FailSendsWith { get; set; } = Grpc.Core.StatusCode.Unavailable;

    /// <summary>Every Send call ends UNAUTHENTICATED before reading anything.</summary>
    public bool RejectSendsAsUnauthenticated { get; set; }

    /// <summary>Send calls read their batches but never answer.</summary>
    public bool HangSends { get; set; }

    /// <summary>Heartbeats end UNAVAILABLE.</summary>
    public bool FailHeartbeats { get; set; }

    /// <summary>Pause before each batch is read: a slow server.</summary>
    public TimeSpan DelayPerBatch { get; set; }

    /// <summary>A call carrying a line with this text is refused with INVALID_ARGUMENT.</summary>
    public string? PoisonLine { get; set; }

    /// <summary>The largest encoded LogBatch the server has read.</summary>
    public int LargestBatchBytes => Volatile.Read(ref _largestBatch);

    private int _largestBatch;

    internal void RecordBatchSize(int bytes)
    {
        int seen;
        while (bytes > (seen = Volatile.Read(ref _largestBatch)) && Interlocked.CompareExchange(ref _largestBatch, bytes, seen) != seen)
        {
        }
    }

    /// <summary>The grpc-encoding header of every Send call (empty: none).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> SendEncodings { get; } = [];

    /// <summary>Send calls the server has seen.</summary>
    public int SendCalls => Volatile.Read(ref _sendCalls);

    public void AllowAborts(int count) => Volatile.Write(ref _abortsLeft, count);

    internal bool TakeAbort() => Interlocked.Decrement(ref _abortsLeft) >= 0;

    internal void CountSendCall() => Interlocked.Increment(ref _sendCalls);
}
