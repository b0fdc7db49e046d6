using System.Text.Unicode;

namespace RlogAgent.Pipeline;

/// <summary>
/// Complete lines of one file, as UTF-8 slices of one pooled buffer: what moves from a reader
/// through the Dataflow blocks to the Send call, instead of a string per line. Buffers are
/// rented from the agent's pools (<see cref="ChunkPools"/>) and sized to the read (at most <see cref="MaxPooledBytes"/> in the
/// common case, under the large object heap's 85 KB), and go back when every batch that carries
/// a line of the chunk is confirmed: the chunk is reference-counted by the batches (<see cref="AddRef"/>,
/// <see cref="Release"/>). Its memory is charged to the pipeline's budget from admission to release.
/// </summary>
public sealed class LineChunk
{
    /// <summary>Largest buffer a read asks for; only a line longer than this gets a bigger one.</summary>
    public const int MaxPooledBytes = 64 * 1024;

    /// <summary>
    /// Bytes a line entry costs, charged to the budget with the text: the entry's real size (it grew
    /// with an event's level and attributes; the attributes' own arrays are charged apart, by
    /// <see cref="SetAttributes"/>).
    /// </summary>
    public static readonly int EntryBytes = System.Runtime.CompilerServices.Unsafe.SizeOf<LineEntry>();

    // A byte array's header and length on the managed heap (x64).
    private const int ArrayOverheadBytes = 24;

    private readonly ChunkPools.Pools _pools;
    private byte[] _buffer;
    private LineEntry[] _lines;
    private int _refs = 1;
    private Action<LineChunk>? _onReleased;
    private int _appendAt = -1;
    private long _attributeBytes;

    /// <summary>Takes a buffer of at least <paramref name="bytes"/> from the pool, for lines of <paramref name="origin"/>.</summary>
    public LineChunk(LineOrigin origin, int bytes, DateTime readAtUtc, int expectedLines = 64)
    {
        Origin = origin;
        ReadAtUtc = readAtUtc;
        _pools = ChunkPools.Current;
        _buffer = _pools.Bytes.Rent(Math.Max(bytes, 16));
        _lines = _pools.Entries.Rent(Math.Max(expectedLines, 4));
    }

    public LineOrigin Origin { get; }

    /// <summary>When the lines were read: their time unless an entry carries its own.</summary>
    public DateTime ReadAtUtc { get; }

    /// <summary>The buffer the text is in; readers fill it, then add entries that point into it.</summary>
    public byte[] Buffer => _buffer;

    public int Count { get; private set; }

    /// <summary>File bytes the lines cover, terminators included: sum of (NextOffset - Offset).</summary>
    public long FileBytes { get; private set; }

    /// <summary>True once every line's text is known to be valid UTF-8 (checked once for the whole buffer).</summary>
    public bool AllValidUtf8 { get; private set; }

    /// <summary>What the chunk holds in memory: its buffers, and the attributes its events were given.</summary>
    public long Cost => _buffer.Length + ((long)_lines.Length * EntryBytes) + _attributeBytes;

    /// <summary>What the pipeline charged its budget for this chunk when it took it; refunded at release.</summary>
    public long Charged { get; set; }

    public ref readonly LineEntry this[int index] => ref _lines[index];

    /// <summary>An entry to change in place: the event processor sets its level, attributes, time or drop mark.</summary>
    public ref LineEntry Entry(int index)
    {
        HasEventFields = true;
        return ref _lines[index];
    }

    /// <summary>
    /// Gives entry <paramref name="index"/> its attributes (wire bytes), counted in <see cref="Cost"/>:
    /// a parse that copies fields out of the lines can hold as many bytes again as the lines do,
    /// and <c>max_buffer_bytes</c> bounds both.
    /// </summary>
    public void SetAttributes(int index, byte[]? attributes)
    {
        ref var entry = ref Entry(index);
        _attributeBytes -= entry.Attributes is { } old ? old.Length + ArrayOverheadBytes : 0;
        entry.Attributes = attributes;
        _attributeBytes += attributes is null ? 0 : attributes.Length + ArrayOverheadBytes;
    }

    /// <summary>True once an entry was changed through <see cref="Entry"/>.</summary>
    public bool HasEventFields { get; private set; }

    /// <summary>
    /// Gives entry <paramref name="index"/> new text (a redacted one), appended after every other
    /// entry's text; the buffer grows if it must. The old bytes stay where they were, unused.
    /// </summary>
    public void ReplaceText(int index, ReadOnlySpan<byte> text)
    {
        if (_appendAt < 0)
        {
            // Found once per chunk: later replacements append after the previous one.
            for (var i = 0; i < Count; i++)
            {
                _appendAt = Math.Max(_appendAt, _lines[i].Start + _lines[i].Length);
            }

            _appendAt = Math.Max(_appendAt, 0);
        }

        var end = _appendAt;
        EnsureCapacity(end + text.Length, end);
        text.CopyTo(_buffer.AsSpan(end));
        _appendAt = end + text.Length;
        ref var line = ref Entry(index);
        line.Start = end;
        line.Length = text.Length;
    }

    public ReadOnlySpan<byte> Text(int index)
    {
        ref readonly var line = ref _lines[index];
        return _buffer.AsSpan(line.Start, line.Length);
    }

    public void Add(in LineEntry line)
    {
        if (Count == _lines.Length)
        {
            var bigger = _pools.Entries.Rent(_lines.Length * 2);
            _lines.AsSpan(0, Count).CopyTo(bigger);
            _pools.Entries.Return(_lines);
            _lines = bigger;
        }

        _lines[Count++] = line;

        // An event's next offset is where a restart resumes, which waits for an older event still
        // open on another stream: it can be behind the event's own offset.
        FileBytes += Math.Max(0, line.NextOffset - line.Offset);
    }

    /// <summary>Grows the buffer to at least <paramref name="bytes"/>, keeping its first <paramref name="keep"/> bytes.</summary>
    public void EnsureCapacity(int bytes, int keep)
    {
        if (_buffer.Length >= bytes)
        {
            return;
        }

        var bigger = _pools.Bytes.Rent(bytes);
        _buffer.AsSpan(0, keep).CopyTo(bigger);
        _pools.Bytes.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Checks the text once, vectorised; a chunk with an invalid byte has its lines checked one by one when encoded.</summary>
    public void ValidateUtf8(int start, int length) => AllValidUtf8 = Utf8.IsValid(_buffer.AsSpan(start, length));

    /// <summary>Called once, by the pipeline that admits the chunk: what to do when the last reference goes.</summary>
    public void OnReleased(Action<LineChunk> onReleased) => _onReleased = onReleased;

    /// <summary>One more batch carries lines of this chunk.</summary>
    public void AddRef() => Interlocked.Increment(ref _refs);

    /// <summary>
    /// A holder is done with the chunk (the reader after handing it on, a batch once confirmed).
    /// The last one returns the buffers to the pool and settles the budget.
    /// </summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _refs);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("a line chunk was released more often than it was held");
        }

        _onReleased?.Invoke(this);
        _pools.Bytes.Return(_buffer);
        if (HasEventFields)
        {
            // Entries hold references (attributes, level text) only once a parser set them.
            _pools.Entries.Return(_lines, clearArray: true);
        }
        else
        {
            _pools.Entries.Return(_lines);
        }

        _buffer = [];
        _lines = [];
        Count = 0;
    }
}
