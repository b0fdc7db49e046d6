using RlogAgent.Collection.Joining;
using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>
/// Holds the events one <see cref="EventAssembler"/> call produces, their texts copied into one reused
/// buffer, until the call's work is done. Only then is it known, for each event, which records are
/// still not handed out after it: the pending ones, and those of the events after it in the same call.
/// That gives each event its <see cref="AssembledEvent.ResumeOffset"/>.
/// </summary>
internal sealed class ReadyEventQueue : ILineTarget
{
    private readonly EventAssemblyCounters _counters;
    private byte[] _texts = new byte[4096];
    private int _used;
    private ReadyEvent[] _events = new ReadyEvent[8];
    private int _count;

    public ReadyEventQueue(EventAssemblyCounters counters)
    {
        _counters = counters;
    }

    /// <summary>Lines straight out, one event each (no multiline).</summary>
    public void OnLine(ReadOnlySpan<byte> text, in JoinedLine line) =>
        Add(text, line.Offset, line.ReadFrom, line.NextOffset, line.Time, line.Stream, line.IsCut);

    public void Add(ReadOnlySpan<byte> text, long offset, long readFrom, long nextOffset, RecordTimestamp? time, LogIoStream stream, bool cut)
    {
        if (_texts.Length - _used < text.Length)
        {
            Array.Resize(ref _texts, Math.Max(_used + text.Length, 2 * _texts.Length));
        }

        if (_count == _events.Length)
        {
            Array.Resize(ref _events, 2 * _events.Length);
        }

        text.CopyTo(_texts.AsSpan(_used));
        _events[_count++] = new ReadyEvent(_used, text.Length, offset, readFrom, nextOffset, time, stream, cut);
        _used += text.Length;
        if (cut)
        {
            _counters.CutEvents++;
        }
    }

    /// <summary>
    /// Hands the held events to <paramref name="sink"/> in order and empties the queue.
    /// <paramref name="frontier"/> is the offset of the earliest record still held by the assembler
    /// (or, when none is, where its input ends).
    /// </summary>
    public void Deliver(long frontier, IEventSink sink)
    {
        try
        {
            var resume = frontier;
            for (var i = _count - 1; i >= 0; i--)
            {
                _events[i].ResumeOffset = resume;
                resume = Math.Min(resume, _events[i].ReadFrom);
            }

            for (var i = 0; i < _count; i++)
            {
                ref readonly var e = ref _events[i];
                sink.OnEvent(new AssembledEvent(_texts.AsSpan(e.Start, e.Length), e.Time, e.Stream, e.Offset, e.NextOffset, e.ResumeOffset, e.Cut));
            }
        }
        finally
        {
            Clear();
        }
    }

    public void Clear()
    {
        _count = 0;
        _used = 0;
    }
}
