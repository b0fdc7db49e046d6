namespace RlogBench.Sink;

/// <summary>
/// Counts distinct (file_id, offset) pairs straight from encoded LogBatch messages: line text is
/// never decoded, file_id bytes are hashed (the hash reused while consecutive lines share the file)
/// and the pair marked in an <see cref="OffsetBitmap"/>. Also keeps when the first line and the expected last line arrived, in epoch microseconds.
/// </summary>
public sealed class LineCounter
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private readonly Lock _lock = new();
    private OffsetBitmap _seen = new();
    private byte[] _lastFileId = [];
    private ulong _lastFileHash = Hash([]);
    private long _expect;
    private long _lines;
    private long _batches;
    private long _calls;
    private long _bytes;
    private long _firstMicros;
    private long _doneMicros;
    private TaskCompletionSource _done = NewSignal();
    private bool _tracing;
    private List<(ulong Offset, long ConfirmedMicros)> _trace = [];

    public LineCounter(long expect)
    {
        _expect = expect;
    }

    /// <summary>Writes one line when the expected count is reached (read by people; the script uses the control port).</summary>
    public event Action<string>? Reached;

    /// <summary>Completes when the distinct count reaches the expected count.</summary>
    public Task Done
    {
        get
        {
            lock (_lock)
            {
                return _done.Task;
            }
        }
    }

    /// <summary>True when the run asked for each line's confirmation time (<c>/reset?trace=1</c>).</summary>
    public bool Tracing
    {
        get
        {
            lock (_lock)
            {
                return _tracing;
            }
        }
    }

    /// <summary>
    /// Counts the lines of one encoded LogBatch; returns how many of them were new. When tracing,
    /// the offsets of new lines go to <paramref name="newOffsets"/> until the call is answered.
    /// </summary>
    public int CountBatch(ReadOnlySpan<byte> batch, List<ulong>? newOffsets = null)
    {
        var added = 0;
        var lines = 0;
        lock (_lock)
        {
            var reader = new WireReader(batch);
            while (reader.TryReadTag(out var field, out var wireType))
            {
                if (field == 3 && wireType == 2)
                {
                    lines++;
                    var (file, offset) = KeyOf(reader.ReadLengthDelimited());
                    if (_seen.Add(file, offset))
                    {
                        added++;
                        newOffsets?.Add(offset);
                    }
                }
                else
                {
                    reader.Skip(wireType);
                }
            }

            _lines += lines;
            _batches++;
            _bytes += batch.Length;
            if (added > 0 && _firstMicros == 0)
            {
                _firstMicros = EpochClock.NowMicroseconds();
            }

            if (_expect > 0 && _doneMicros == 0 && _seen.Count >= _expect)
            {
                _doneMicros = EpochClock.NowMicroseconds();
                _done.TrySetResult();
                Reached?.Invoke($"done count={_seen.Count} done_us={_doneMicros} first_us={_firstMicros}");
            }
        }

        return added;
    }

    public void CountCall()
    {
        lock (_lock)
        {
            _calls++;
        }
    }

    /// <summary>Stamps lines as confirmed: the call that carried them is being answered OK now.</summary>
    public void Confirmed(List<ulong> offsets)
    {
        var now = EpochClock.NowMicroseconds();
        lock (_lock)
        {
            foreach (var offset in offsets)
            {
                _trace.Add((offset, now));
            }
        }
    }

    /// <summary>Each traced line as "offset confirmed_us", one a line.</summary>
    public string DescribeTrace()
    {
        lock (_lock)
        {
            var text = new System.Text.StringBuilder();
            foreach (var (offset, micros) in _trace)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{offset} {micros}\n");
            }

            return text.ToString();
        }
    }

    /// <summary>Forgets everything and waits for <paramref name="expect"/> lines next.</summary>
    public void Reset(long expect, bool trace = false)
    {
        lock (_lock)
        {
            _expect = expect;
            _tracing = trace;
            _trace = [];
            _seen = new OffsetBitmap();
            _lines = _batches = _calls = _bytes = 0;
            _firstMicros = _doneMicros = 0;
            _done.TrySetCanceled();
            _done = NewSignal();
        }
    }

    /// <summary>One line of key=value figures, as the control port serves it.</summary>
    public string Describe()
    {
        lock (_lock)
        {
            return $"count={_seen.Count} lines={_lines} batches={_batches} calls={_calls} bytes={_bytes} expect={_expect} first_us={_firstMicros} done_us={_doneMicros}\n";
        }
    }

    private (ulong File, ulong Offset) KeyOf(ReadOnlySpan<byte> log)
    {
        // Absent fields are proto3 defaults: an empty file_id, offset 0 (the first line of a file).
        ReadOnlySpan<byte> fileId = [];
        ulong offset = 0;
        var reader = new WireReader(log);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == 5 && wireType == 2)
            {
                fileId = reader.ReadLengthDelimited();
            }
            else if (field == 6 && wireType == 0)
            {
                offset = reader.ReadVarint();
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        if (!fileId.SequenceEqual(_lastFileId))
        {
            _lastFileId = fileId.ToArray();
            _lastFileHash = Hash(fileId);
        }

        return (_lastFileHash, offset);
    }

    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        var h = FnvOffset;
        foreach (var b in bytes)
        {
            h = (h ^ b) * FnvPrime;
        }

        return h;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
