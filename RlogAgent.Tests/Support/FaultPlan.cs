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

    /// <summary>
    /// Any batch carrying a line with one of these texts is refused with <see cref="RefuseWith"/>,
    /// when <see cref="RefuseAt"/> says; the call's other batches are stored as usual.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> RefusedLines { get; } = new(StringComparer.Ordinal);

    /// <summary>Every batch that carries a line is refused: a broken server.</summary>
    public bool RefuseAllLines { get; set; }

    /// <summary>Where <see cref="RefusedLines"/> and <see cref="RefuseAllLines"/> refuse. Default mid-stream.</summary>
    public RefusalPoint RefuseAt { get; set; } = RefusalPoint.MidStream;

    /// <summary>The status a refusal answers. Default INVALID_ARGUMENT.</summary>
    public Grpc.Core.StatusCode RefuseWith { get; set; } = Grpc.Core.StatusCode.InvalidArgument;

    /// <summary>Batches refused so far.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>Lines the server has read, in every batch of every call (refused ones included).</summary>
    public int LinesReceived => Volatile.Read(ref _linesReceived);

    private int _refusals;
    private int _linesReceived;
    private TaskCompletionSource? _readsResumed;

    /// <summary>
    /// From now on each Send call reads <paramref name="afterBatches"/> batches, then reads nothing
    /// more until <see cref="ResumeReads"/> (or the agent gives the call up): a server that stopped
    /// reading but still answers pings.
    /// </summary>
    public void StallReads(int afterBatches)
    {
        StallAfterBatches = afterBatches;
        Volatile.Write(ref _readsResumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Stalled calls read on, and new calls are not stalled.</summary>
    public void ResumeReads() => Interlocked.Exchange(ref _readsResumed, null)?.TrySetResult();

    /// <summary>Calls that stalled, waiting for the agent or <see cref="ResumeReads"/>.</summary>
    public int StalledCalls => Volatile.Read(ref _stalledCalls);

    private int _stalledCalls;

    internal int StallAfterBatches { get; private set; }

    /// <summary>The pending stall, or null when reads are not stalled.</summary>
    internal Task? ReadsResumed => Volatile.Read(ref _readsResumed)?.Task;

    internal void CountStall() => Interlocked.Increment(ref _stalledCalls);

    /// <summary>Every line of this label is refused (INVALID_ARGUMENT), as a label over the server's limit is.</summary>
    public string? RefusedLabel { get; set; }

    internal bool Refuses(Rlog.V1.LogBatch batch)
    {
        Interlocked.Add(ref _linesReceived, batch.Logs.Count);
        var refused = batch.Logs.Count > 0 && (RefuseAllLines
            || (!RefusedLines.IsEmpty && batch.Logs.Any(l => RefusedLines.ContainsKey(l.Line)))
            || (RefusedLabel is { } label && batch.Logs.Any(l => l.Label == label)));
        if (refused)
        {
            Interlocked.Increment(ref _refusals);
        }

        return refused;
    }

    /// <summary>The largest encoded LogBatch the server has read.</summary>
    public int LargestBatchBytes => Volatile.Read(ref _largestBatch);

    private int _largestBatch;

    /// <summary>The lines of every batch the server has read, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> BatchLines { get; } = new();

    internal void RecordBatch(int bytes, int lines)
    {
        BatchLines.Enqueue(lines);
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
