using System.Text;
using System.Text.RegularExpressions;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Joining;

/// <summary>
/// Joins the lines of one stream of one file into multi-line events (<c>multiline</c> in agent.yaml):
/// a line matching start_pattern starts an event, another line continues the open one (joined by
/// <c>\n</c>) or, with none open, starts its own. An event goes out when the next one starts, when a
/// continuation would take it past max_lines or max_line_bytes (it goes out cut, and the continuation
/// starts its rest), or when no line came for the timeout (<see cref="EmitIfExpired"/>). The pattern only
/// runs on lines that arrive while an event is open.
/// </summary>
internal sealed class MultilineJoiner : ILineTarget
{
    private readonly Regex _startPattern;
    private readonly int _maxLines;
    private readonly TimeSpan _timeout;
    private readonly int _maxBytes;
    private readonly TimeProvider _clock;
    private readonly ReadyEventQueue _output;
    private readonly EventAssemblyCounters _counters;
    private byte[] _buffer = [];
    private char[] _chars = [];
    private int _length;
    private long _encoded;
    private int _lines;
    private bool _open;
    private long _offset;
    private long _readFrom;
    private long _next;
    private RecordTimestamp? _time;
    private LogIoStream _stream;
    private bool _isTail;
    private long _lastLineAt;

    public MultilineJoiner(MultilineOptions options, int maxBytes, TimeProvider clock, ReadyEventQueue output, EventAssemblyCounters counters)
    {
        _startPattern = options.StartPattern;
        _maxLines = options.MaxLines;
        _timeout = options.Timeout;
        _maxBytes = maxBytes;
        _clock = clock;
        _output = output;
        _counters = counters;
    }

    /// <summary>File offset of the open event's first record; null when no event is open.</summary>
    public long? PendingFrom => _open ? _readFrom : null;

    public void OnLine(ReadOnlySpan<byte> text, in JoinedLine line)
    {
        if (!_open)
        {
            Start(text, line, afterCut: false);
        }
        else if (line.IsTail || IsStart(text))
        {
            Emit(cut: false);
            Start(text, line, afterCut: false);
        }
        else if (_lines >= _maxLines || _encoded + 1 + line.EncodedBytes > _maxBytes)
        {
            Emit(cut: true);
            Start(text, line, afterCut: true);
        }
        else
        {
            Append(text, line);
        }

        if (line.Continues)
        {
            // The line itself was cut at max_line_bytes: its rest cannot join the event, which goes out cut.
            Emit(cut: true);
        }

        _lastLineAt = _clock.GetTimestamp();
    }

    /// <summary>Hands out the open event if its last line came at least the timeout before <paramref name="now"/> (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public void EmitIfExpired(long now)
    {
        if (_open && _clock.GetElapsedTime(_lastLineAt, now) >= _timeout)
        {
            Emit(cut: false);
        }
    }

    /// <summary>Time left before the open event times out (zero when it has); null when none is open.</summary>
    public TimeSpan? DueIn(long now)
    {
        if (!_open)
        {
            return null;
        }

        var left = _timeout - _clock.GetElapsedTime(_lastLineAt, now);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Hands out the open event, if any.</summary>
    public void Flush()
    {
        if (_open)
        {
            Emit(cut: false);
        }
    }

    /// <summary>Forgets the open event (the file was truncated: its records are gone).</summary>
    public void Reset() => _open = false;

    private bool IsStart(ReadOnlySpan<byte> text)
    {
        if (_chars.Length < text.Length + 1)
        {
            _chars = new char[Math.Max(text.Length + 1, Math.Min(2 * _chars.Length, _maxBytes + 1))];
        }

        // Invalid UTF-8 becomes U+FFFD here as on the wire, so the pattern sees what the server stores.
        var chars = _chars.AsSpan(0, Encoding.UTF8.GetChars(text, _chars));
        try
        {
            return _startPattern.IsMatch(chars);
        }
        catch (RegexMatchTimeoutException)
        {
            // A line alone is the safe reading: nothing is joined wrongly, nothing is lost.
            _counters.PatternTimeouts++;
            return true;
        }
    }

    private void Start(ReadOnlySpan<byte> text, in JoinedLine line, bool afterCut)
    {
        _open = true;
        _length = 0;
        _encoded = line.EncodedBytes;
        EnsureRoom(text.Length);
        text.CopyTo(_buffer);
        _length = text.Length;
        _lines = 1;
        _offset = line.Offset;
        _readFrom = line.ReadFrom;
        _next = line.NextOffset;
        _time = line.Time;
        _stream = line.Stream;
        _isTail = afterCut || line.IsTail;
    }

    private void Append(ReadOnlySpan<byte> text, in JoinedLine line)
    {
        EnsureRoom(_length + 1 + text.Length);
        _buffer[_length++] = (byte)'\n';
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
        _encoded += 1 + line.EncodedBytes;
        _lines++;
        _next = line.NextOffset;
    }

    private void Emit(bool cut)
    {
        _open = false;
        _output.Add(_buffer.AsSpan(0, _length), _offset, _readFrom, _next, _time, _stream, cut || _isTail);
    }

    private void EnsureRoom(int size)
    {
        if (_buffer.Length < size)
        {
            Array.Resize(ref _buffer, Math.Max(size, Math.Min(2 * _buffer.Length, _maxBytes)));
        }
    }
}
