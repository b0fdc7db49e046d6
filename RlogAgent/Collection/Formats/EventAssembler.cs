using RlogAgent.Collection.Joining;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Formats;

/// <summary>
/// Turns one file's raw lines into events: decodes each line as a record of the source's format,
/// joins partial records (CRI <c>P</c>…<c>F</c>, Docker's 16 KiB splits), then, with <c>multiline</c>,
/// joins lines into multi-line events, and keeps every event's text within max_line_bytes by cutting it
/// (never dropping). stdout and stderr records are joined separately, as the runtime interleaves them.
/// <para>
/// One instance per file, driven by that file's reader: not thread-safe. Events are handed to an
/// <see cref="IEventSink"/> during the call that completes them; their text is only valid during
/// <see cref="IEventSink.OnEvent"/>. Buffers are kept and reused (they grow to about max_line_bytes at most),
/// so the steady state allocates nothing per line. The assembler logs nothing: see <see cref="Counters"/>.
/// </para>
/// <para>
/// What is held between calls (a partial record, an open multi-line event) starts at <see cref="PendingFrom"/>:
/// a file's resume position must not pass it, which <see cref="AssembledEvent.ResumeOffset"/> already
/// ensures. At shutdown, drop the assembler: what it held is read again at the next start.
/// </para>
/// </summary>
public sealed class EventAssembler
{
    private const int StreamCount = 3;

    private readonly RecordDecoder _decoder;
    private readonly TimeProvider _clock;
    private readonly ReadyEventQueue _ready;
    private readonly PartialRecordJoiner[] _joiners = new PartialRecordJoiner[StreamCount];
    private readonly MultilineJoiner?[] _multiline = new MultilineJoiner?[StreamCount];
    private long _consumedTo;

    /// <param name="format">How the file's lines are written.</param>
    /// <param name="maxLineBytes">max_line_bytes: most bytes of an event's UTF-8 text (capped at <see cref="LineText.MaxBytes"/>). At least 16.</param>
    /// <param name="multiline">The source's multiline options, or null: every line (joined record) is an event.</param>
    /// <param name="clock">Measures multiline timeouts (<see cref="TimeProvider.GetTimestamp"/>); no timers are started.</param>
    public EventAssembler(SourceFormat format, int maxLineBytes, MultilineOptions? multiline, TimeProvider clock)
    {
        // Room for the widest character (4 bytes) and a few more, so a cut always makes progress.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        ArgumentNullException.ThrowIfNull(clock);
        Format = format;
        MaxLineBytes = Math.Min(maxLineBytes, LineText.MaxBytes);
        _decoder = RecordDecoder.For(format);
        _clock = clock;
        _ready = new ReadyEventQueue(Counters);
        for (var stream = 0; stream < StreamCount; stream++)
        {
            ILineTarget target = _ready;
            if (multiline is not null)
            {
                var joiner = new MultilineJoiner(multiline, MaxLineBytes, clock, _ready, Counters);
                _multiline[stream] = joiner;
                target = joiner;
            }

            _joiners[stream] = new PartialRecordJoiner(MaxLineBytes, (LogIoStream)stream, target);
        }
    }

    public SourceFormat Format { get; }

    /// <summary>The max_line_bytes in force (capped at <see cref="LineText.MaxBytes"/>).</summary>
    public int MaxLineBytes { get; }

    public EventAssemblyCounters Counters { get; } = new();

    /// <summary>
    /// The file offset of the first record not yet handed out (a partial record, or the first record of
    /// an open multi-line event, whichever stream it is on); null when everything read was handed out.
    /// </summary>
    public long? PendingFrom
    {
        get
        {
            long? earliest = null;
            for (var stream = 0; stream < StreamCount; stream++)
            {
                earliest = Min(earliest, _joiners[stream].PendingFrom);
                earliest = Min(earliest, _multiline[stream]?.PendingFrom);
            }

            return earliest;
        }
    }

    /// <summary>
    /// How soon <see cref="EmitExpired"/> has an event to hand out: zero when one is due now; null when no
    /// multi-line event is open (partial records have no timeout: their final record is waited for).
    /// </summary>
    public TimeSpan? DueIn
    {
        get
        {
            var now = _clock.GetTimestamp();
            TimeSpan? soonest = null;
            foreach (var joiner in _multiline)
            {
                if (joiner?.DueIn(now) is { } left && (soonest is null || left < soonest))
                {
                    soonest = left;
                }
            }

            return soonest;
        }
    }

    /// <summary>True when <paramref name="format"/> and <paramref name="multiline"/> need an assembler: plain lines without multiline go straight out.</summary>
    public static bool IsNeeded(SourceFormat format, MultilineOptions? multiline) => format != SourceFormat.Plain || multiline is not null;

    /// <summary>
    /// Takes one raw line of the file: <paramref name="line"/> without its terminator (LF, or CRLF as the
    /// reader strips it), found at <paramref name="offset"/>, the next line starting at
    /// <paramref name="nextOffset"/>. Lines must come in file order. Hands <paramref name="sink"/> the
    /// events this line completes (none, one, or several). A line that is not a record of the format is
    /// taken as a complete message of its own with no stream and no time, and counted.
    /// <para>
    /// Give it whole lines, longer than max_line_bytes too (up to what the reader can hold): the assembler cuts
    /// events itself, after decoding. A cri or docker record the reader had cut in pieces would no longer parse:
    /// its first piece would ship as a (short) record and the others as unparsed lines.
    /// </para>
    /// </summary>
    public void Add(ReadOnlySpan<byte> line, long offset, long nextOffset, IEventSink sink)
    {
        _ready.Clear();
        var parsed = _decoder.TryDecode(line, out var record);
        if (!parsed)
        {
            Counters.UnparsedRecords++;
            Counters.FirstUnparsedOffset ??= offset;
            record = DecodedRecord.Unparsed(line);
        }

        var stripCarriageReturn = parsed && _decoder.StripsCarriageReturn;
        _joiners[(int)record.Stream].OnRecord(record.Message, record.Time, record.IsPartial, stripCarriageReturn, offset, nextOffset);
        _consumedTo = nextOffset;
        Deliver(sink);
    }

    /// <summary>
    /// Hands out the multi-line events whose last line came at least the timeout ago. Call it from the
    /// reading loop when <see cref="DueIn"/> says so (or on every pass: it is cheap).
    /// </summary>
    public void EmitExpired(IEventSink sink)
    {
        _ready.Clear();
        var now = _clock.GetTimestamp();
        Span<int> order = stackalloc int[StreamCount];
        foreach (var stream in StreamsByPendingOffset(order))
        {
            _multiline[stream]?.EmitIfExpired(now);
        }

        Deliver(sink);
    }

    /// <summary>
    /// Hands out everything held, as it is: partial records without their final record, open multi-line
    /// events. For when no more lines will come (a rotated-away or deleted file released after
    /// rotate_wait); not for shutdown, where what is held is simply read again at the next start.
    /// </summary>
    public void Flush(IEventSink sink)
    {
        _ready.Clear();
        Span<int> order = stackalloc int[StreamCount];
        foreach (var stream in StreamsByPendingOffset(order))
        {
            _joiners[stream].Flush();
            _multiline[stream]?.Flush();
        }

        Deliver(sink);
    }

    /// <summary>
    /// Forgets everything held, without handing it out: the file was truncated (its records are gone and it
    /// is read again from its start under a new file_id). Counters are kept.
    /// </summary>
    public void Reset()
    {
        _ready.Clear();
        for (var stream = 0; stream < StreamCount; stream++)
        {
            _joiners[stream].Reset();
            _multiline[stream]?.Reset();
        }

        _consumedTo = 0;
    }

    private void Deliver(IEventSink sink) => _ready.Deliver(PendingFrom ?? _consumedTo, sink);

    /// <summary>Streams in the order of the first record they hold, so flushed events come out in file order as far as can be.</summary>
    private Span<int> StreamsByPendingOffset(Span<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            var stream = i;
            var key = StreamPendingFrom(stream) ?? long.MaxValue;
            var at = i;
            while (at > 0 && (StreamPendingFrom(order[at - 1]) ?? long.MaxValue) > key)
            {
                order[at] = order[at - 1];
                at--;
            }

            order[at] = stream;
        }

        return order;
    }

    private long? StreamPendingFrom(int stream) => Min(_joiners[stream].PendingFrom, _multiline[stream]?.PendingFrom);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
