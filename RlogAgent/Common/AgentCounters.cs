namespace RlogAgent.Common;

/// <summary>Totals since the process started, shared by the components that count and the heartbeat that reports them.</summary>
public sealed class AgentCounters
{
    private long _linesRead;
    private long _linesSent;
    private long _linesConfirmed;
    private long _linesRejected;
    private long _batchesUnconfirmed;
    private long _sendRetries;
    private long _bytesRead;
    private long _bytesConfirmed;
    private long _bytesSent;
    private long _batchesSent;
    private long _batchesConfirmed;
    private long _batchesResent;
    private long _sourceRestarts;
    private long _recordsUnparsed;
    private long _eventsCut;
    private long _nulBytesSkipped;
    private long _parseFailures;
    private long _eventsDropped;

    public long LinesRead => Interlocked.Read(ref _linesRead);

    public long LinesSent => Interlocked.Read(ref _linesSent);

    public long LinesConfirmed => Interlocked.Read(ref _linesConfirmed);

    /// <summary>Lines set aside in rejected.jsonl: refused by the server on their own, or too big for any message.</summary>
    public long LinesRejected => Interlocked.Read(ref _linesRejected);

    public long BatchesUnconfirmed => Interlocked.Read(ref _batchesUnconfirmed);

    public long SendRetries => Interlocked.Read(ref _sendRetries);

    /// <summary>Bytes of file content read into lines, terminators included.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long BytesConfirmed => Interlocked.Read(ref _bytesConfirmed);

    /// <summary>Bytes of file content written to Send calls, re-sends included.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    public long BatchesConfirmed => Interlocked.Read(ref _batchesConfirmed);

    /// <summary>Batches written again on a new call after a failure.</summary>
    public long BatchesResent => Interlocked.Read(ref _batchesResent);

    /// <summary>Times a source's collector failed and was started again.</summary>
    public long SourceRestarts => Interlocked.Read(ref _sourceRestarts);

    /// <summary>Lines of a cri or docker source that were not records of its format, shipped as they are.</summary>
    public long RecordsUnparsed => Interlocked.Read(ref _recordsUnparsed);

    /// <summary>Events cut because they passed max_line_bytes or multiline.max_lines (every part is shipped).</summary>
    public long EventsCut => Interlocked.Read(ref _eventsCut);

    /// <summary>NUL bytes skipped where a line would start (holes left by copytruncate), never shipped.</summary>
    public long NulBytesSkipped => Interlocked.Read(ref _nulBytesSkipped);

    /// <summary>Events of a source with parse (or detect_level) that did not parse, or whose time did not; shipped as they are.</summary>
    public long ParseFailures => Interlocked.Read(ref _parseFailures);

    /// <summary>Events a drop rule matched: not shipped, confirmed with their neighbours.</summary>
    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    /// <summary>Per label: events that did not parse.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> ParseFailuresByLabel { get; } = new(StringComparer.Ordinal);

    /// <summary>Per label: events dropped.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> EventsDroppedByLabel { get; } = new(StringComparer.Ordinal);

    /// <summary>Per file (by path): bytes in the file not yet read. Updated by the collectors after each pass.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> FileLag { get; } = new(StringComparer.Ordinal);

    public void AddRead(int lines) => Interlocked.Add(ref _linesRead, lines);

    public void AddBytesRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    public void AddBytesConfirmed(long bytes) => Interlocked.Add(ref _bytesConfirmed, bytes);

    public void AddBatchSent(bool resent)
    {
        Interlocked.Increment(ref _batchesSent);
        if (resent)
        {
            Interlocked.Increment(ref _batchesResent);
        }
    }

    public void AddBatchesConfirmed(int batches) => Interlocked.Add(ref _batchesConfirmed, batches);

    public void AddSent(int lines, long bytes)
    {
        Interlocked.Add(ref _linesSent, lines);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    public void AddConfirmed(int lines) => Interlocked.Add(ref _linesConfirmed, lines);

    public void AddRejected(int lines) => Interlocked.Add(ref _linesRejected, lines);

    public void SetUnconfirmed(int batches) => Interlocked.Exchange(ref _batchesUnconfirmed, batches);

    public void AddRetry() => Interlocked.Increment(ref _sendRetries);

    public void AddSourceRestart() => Interlocked.Increment(ref _sourceRestarts);

    public void AddRecordsUnparsed(long records) => Interlocked.Add(ref _recordsUnparsed, records);

    public void AddEventsCut(long events) => Interlocked.Add(ref _eventsCut, events);

    public void AddNulBytesSkipped(long bytes) => Interlocked.Add(ref _nulBytesSkipped, bytes);

    /// <summary>Sources (label|pattern) whose path matches no file now.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> SourcesMatchingNothing { get; } = new(StringComparer.Ordinal);

    public void SetMatchesNothing(string sourceKey, bool nothing)
    {
        if (nothing)
        {
            SourcesMatchingNothing[sourceKey] = true;
        }
        else
        {
            SourcesMatchingNothing.TryRemove(sourceKey, out _);
        }
    }

    public void AddParseFailure(string label)
    {
        Interlocked.Increment(ref _parseFailures);
        ParseFailuresByLabel.AddOrUpdate(label, 1, (_, n) => n + 1);
    }

    public void AddEventDropped(string label)
    {
        Interlocked.Increment(ref _eventsDropped);
        EventsDroppedByLabel.AddOrUpdate(label, 1, (_, n) => n + 1);
    }
}
