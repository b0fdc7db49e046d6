using System.Text.Unicode;
using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Joining;

/// <summary>
/// Joins the partial records of one stream of one file (CRI <c>P</c> records up to their <c>F</c>; Docker
/// <c>log</c>s up to the one ending in <c>\n</c>) into lines, bounded by max_line_bytes: when a join would
/// pass it, what is held goes on cut and the record starts the line's rest; a record longer than the limit
/// on its own is cut in pieces at character boundaries (<see cref="LineText.PieceLength"/>). Complete
/// records that arrive with nothing held pass on without a copy.
/// </summary>
internal sealed class PartialRecordJoiner
{
    private readonly int _maxBytes;
    private readonly LogIoStream _stream;
    private readonly ILineTarget _target;
    private byte[] _buffer = [];
    private int _length;
    private long _encoded;
    private bool _holding;
    private long _offset;
    private long _readFrom;
    private long _next;
    private RecordTimestamp? _time;
    private bool _isTail;

    public PartialRecordJoiner(int maxBytes, LogIoStream stream, ILineTarget target)
    {
        _maxBytes = maxBytes;
        _stream = stream;
        _target = target;
    }

    /// <summary>File offset of the first partial record held; null when none is.</summary>
    public long? PendingFrom => _holding ? _readFrom : null;

    /// <summary>
    /// Takes one record of this stream, which spans [<paramref name="offset"/>, <paramref name="next"/>) in the
    /// file. <paramref name="stripCarriageReturn"/>: a complete line's final <c>\r</c> is part of its line end.
    /// </summary>
    public void OnRecord(ReadOnlySpan<byte> message, RecordTimestamp? time, bool partial, bool stripCarriageReturn, long offset, long next)
    {
        var size = EncodedSize(message);
        var isTail = false;
        if (_holding)
        {
            if (_encoded + size <= _maxBytes)
            {
                Append(message, size);
                _next = next;
                if (!partial)
                {
                    EmitHeld(stripCarriageReturn, continues: false);
                }

                return;
            }

            // The join would pass max_line_bytes: what is held goes now, cut; this record starts the rest.
            EmitHeld(stripCarriageReturn: false, continues: true);
            isTail = true;
        }

        var messageOffset = offset;
        if (size > _maxBytes)
        {
            var done = 0;
            while (true)
            {
                var piece = LineText.PieceLength(message[done..], _maxBytes);
                if (piece >= message.Length - done)
                {
                    break;
                }

                var text = message.Slice(done, piece);
                _target.OnLine(text, new JoinedLine(offset + done, offset, next, time, _stream, EncodedSize(text), IsTail: isTail || done > 0, Continues: true));
                done += piece;
            }

            message = message[done..];
            messageOffset = offset + done;
            size = EncodedSize(message);
            isTail = true;
        }

        if (partial)
        {
            _holding = true;
            _length = 0;
            _encoded = 0;
            Append(message, size);
            _offset = messageOffset;
            _readFrom = offset;
            _next = next;
            _time = time;
            _isTail = isTail;
            return;
        }

        if (stripCarriageReturn && !message.IsEmpty && message[^1] == (byte)'\r')
        {
            // An ASCII byte off the end: the encoded size drops by exactly one, whatever precedes it.
            message = message[..^1];
            size--;
        }

        _target.OnLine(message, new JoinedLine(messageOffset, offset, next, time, _stream, size, isTail, Continues: false));
    }

    /// <summary>Hands on what is held, as it is: no record will complete it (end of file released).</summary>
    public void Flush()
    {
        if (_holding)
        {
            EmitHeld(stripCarriageReturn: false, continues: false);
        }
    }

    /// <summary>Forgets what is held (the file was truncated: its records are gone).</summary>
    public void Reset() => _holding = false;

    /// <summary>
    /// Size once invalid sequences become U+FFFD. Summed over joined parts it is an upper bound of the
    /// joined text's size (a character split between two records counts 3 + 3 bytes, not its own 2 to 4),
    /// so a line within the limit by this count is within it once decoded.
    /// </summary>
    private static long EncodedSize(ReadOnlySpan<byte> text) => Utf8.IsValid(text) ? text.Length : LineText.EncodedLength(text);

    private void Append(ReadOnlySpan<byte> text, long size)
    {
        if (_buffer.Length - _length < text.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_length + text.Length, Math.Min(2 * _buffer.Length, _maxBytes)));
        }

        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
        _encoded += size;
    }

    private void EmitHeld(bool stripCarriageReturn, bool continues)
    {
        _holding = false;
        var text = _buffer.AsSpan(0, _length);
        var size = _encoded;
        if (stripCarriageReturn && !text.IsEmpty && text[^1] == (byte)'\r')
        {
            text = text[..^1];
            size--;
        }

        _target.OnLine(text, new JoinedLine(_offset, _readFrom, _next, _time, _stream, size, _isTail, continues));
    }
}
