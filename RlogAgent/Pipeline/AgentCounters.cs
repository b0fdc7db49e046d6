namespace RlogAgent.Pipeline;

/// <summary>Totals since the process started, shared by the components that count and the heartbeat that reports them.</summary>
public sealed class AgentCounters
{
    private long _linesRead;
    private long _linesSent;
    private long _linesConfirmed;
    private long _linesRejected;
    private long _batchesUnconfirmed;
    private long _sendRetries;

    public long LinesRead => Interlocked.Read(ref _linesRead);

    public long LinesSent => Interlocked.Read(ref _linesSent);

    public long LinesConfirmed => Interlocked.Read(ref _linesConfirmed);

    public long LinesRejected => Interlocked.Read(ref _linesRejected);

    public long BatchesUnconfirmed => Interlocked.Read(ref _batchesUnconfirmed);

    public long SendRetries => Interlocked.Read(ref _sendRetries);

    public void AddRead(int lines) => Interlocked.Add(ref _linesRead, lines);

    public void AddSent(int lines) => Interlocked.Add(ref _linesSent, lines);

    public void AddConfirmed(int lines) => Interlocked.Add(ref _linesConfirmed, lines);

    public void AddRejected(int lines) => Interlocked.Add(ref _linesRejected, lines);

    public void SetUnconfirmed(int batches) => Interlocked.Exchange(ref _batchesUnconfirmed, batches);

    public void AddRetry() => Interlocked.Increment(ref _sendRetries);
}
