using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Copies the events an <see cref="EventAssembler"/> hands out into one <see cref="LineChunk"/>:
/// their text one after the other in the chunk's buffer (grown as needed), each with its offset,
/// its resume position as the checkpoint's next offset, its time and its stream.
/// </summary>
internal sealed class EventChunkSink : IEventSink
{
    private LineChunk? _chunk;
    private int _used;

    /// <summary>Starts a chunk of events for one file.</summary>
    public LineChunk Begin(LineOrigin origin, DateTime readAtUtc, int expectedBytes)
    {
        _chunk = new LineChunk(origin, Math.Max(expectedBytes, 256), readAtUtc, 16);
        _used = 0;
        return _chunk;
    }

    /// <summary>Ends the chunk; returns the bytes of text it holds.</summary>
    public int End()
    {
        _chunk = null;
        return _used;
    }

    public void OnEvent(in AssembledEvent assembled)
    {
        var chunk = _chunk ?? throw new InvalidOperationException("an event arrived outside Begin/End");
        var text = assembled.Text;
        if (_used + text.Length > chunk.Buffer.Length)
        {
            chunk.EnsureCapacity(Math.Max(chunk.Buffer.Length * 2, _used + text.Length), _used);
        }

        text.CopyTo(chunk.Buffer.AsSpan(_used));
        chunk.Add(new LineEntry
        {
            Start = _used,
            Length = text.Length,
            Offset = assembled.Offset,
            // Where a restart may resume: never past an event of the file not yet shipped whole.
            NextOffset = assembled.ResumeOffset,
            TimeTicks = assembled.Time is { } time ? (time.UnixSeconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100) : 0,
            Stream = assembled.Stream,
        });
        _used += text.Length;
    }
}
