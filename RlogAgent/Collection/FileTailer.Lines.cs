using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Bytes into lines: splitting, the held (unterminated) line, lines longer than max_line_bytes,
/// NUL holes, and events assembled from records.
/// </summary>
public sealed partial class FileTailer
{
    /// <summary>
    /// Ships the unfinished last line, if any, as <paramref name="chunk"/>: used once a rotated-away or
    /// deleted file has been idle for rotate_wait, when no newline will come any more. A tailer closed
    /// for room ships what it held when it was closed. Returns where the file's lines end now.
    /// </summary>
    public long FlushHeldLine(out LineChunk? chunk)
    {
        chunk = null;
        if (!IsOpen)
        {
            if (_heldWhileClosed is { Length: > 0 } saved && _fileId is not null)
            {
                chunk = new LineChunk(Origin(), saved.Length, _time.GetUtcNow().UtcDateTime);
                saved.CopyTo(chunk.Buffer, 0);
                EmitHeld(chunk, saved.Length);
                chunk = ReleaseIfEmpty(chunk);
            }

            _heldWhileClosed = null;
            chunk = FlushEvents(chunk);
            return LinesEnd;
        }

        var length = RandomAccess.GetLength(_handle);
        if (length <= _lineStart || (_fileId is null && !TryEstablishFileId(force: true)))
        {
            chunk = FlushEvents(null);
            return LinesEnd;
        }

        var size = (int)Math.Min(length - _lineStart, _rawLineLimit);
        var held = new LineChunk(Origin(), size, _time.GetUtcNow().UtcDateTime);
        var read = RandomAccess.Read(_handle, held.Buffer.AsSpan(0, size), _lineStart);
        if (read > 0)
        {
            BytesReadFromFile += read;
            EmitHeld(held, read);
            chunk = ReleaseIfEmpty(held);
        }
        else
        {
            held.Release();
        }

        chunk = FlushEvents(chunk);
        return LinesEnd;
    }

    /// <summary>
    /// Where the file's lines end: the read position, or, when a hole of NUL bytes trails the last
    /// line, that line's end (no line names the hole's bytes, so no confirmation reaches past them).
    /// </summary>
    private long LinesEnd => Math.Min(_lineStart, _linesEnd);

    private static LineChunk? ReleaseIfEmpty(LineChunk chunk)
    {
        if (chunk.Count > 0)
        {
            return chunk;
        }

        chunk.Release();
        return null;
    }

    /// <summary>The held bytes, at the chunk's start, become the file's last line (or its pieces).</summary>
    private void EmitHeld(LineChunk chunk, int size)
    {
        var end = _lineStart + size;
        var skip = SkipHole(chunk.Buffer.AsSpan(0, size), 0);
        ReportSkippedNul();
        if (skip == size)
        {
            // Only a hole was held: no line, and its bytes are passed.
            _lineStart = end;
            _scanned = Math.Max(_scanned, _lineStart);
            return;
        }

        _lineStart += skip;
        var text = chunk.Buffer.AsSpan(skip, size - skip);
        if (text[^1] == (byte)'\r')
        {
            text = text[..^1];
        }

        if (LineText.FitsWhole(text, _rawLineLimit))
        {
            Add(chunk, skip, text.Length, _lineStart, end);
        }
        else
        {
            EmitPieces(chunk, skip, text.Length, 0, end);
        }

        _lineStart = end;
        _scanned = Math.Max(_scanned, _lineStart);
        chunk.ValidateUtf8(0, size);
    }

    /// <summary>
    /// Finds the complete lines in the chunk's buffer from <paramref name="start"/> (the file offset
    /// <c>_lineStart</c>) for <paramref name="length"/> bytes; returns the bytes they cover.
    /// </summary>
    private int SplitLines(LineChunk chunk, int start, int length)
    {
        var data = chunk.Buffer.AsSpan(start, length);
        var position = 0;
        while (true)
        {
            position = SkipHole(data, position);
            var newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            var end = position + newline;
            var textEnd = end > position && data[end - 1] == (byte)'\r' ? end - 1 : end;
            if (LineText.FitsWhole(data[position..textEnd], _rawLineLimit))
            {
                Add(chunk, start + position, textEnd - position, _lineStart + position, _lineStart + end + 1);
            }
            else
            {
                EmitPieces(chunk, start + position, textEnd - position, position, _lineStart + end + 1);
            }

            position = end + 1;
        }

        // An unfinished line longer than the limit is not held whole: its full pieces go now.
        if (data.Length - position >= _rawLineLimit)
        {
            position += EmitPieces(chunk, start + position, data.Length - position, position, -1);
        }

        return position;
    }

    /// <summary>
    /// Skips a run of NUL bytes where a line starts: the hole a writer that kept its offset leaves
    /// after copytruncate (or a preallocated file). Holes are not lines; a line holding a NUL after
    /// its first byte is kept as it is. A terminator right after the run goes with it (a line that
    /// was only NULs). Returns where the next line starts.
    /// </summary>
    private int SkipHole(ReadOnlySpan<byte> data, int position)
    {
        if (position >= data.Length || data[position] != 0)
        {
            return position;
        }

        var run = data[position..].IndexOfAnyExcept((byte)0);
        var end = run < 0 ? data.Length : position + run;
        NulBytesSkipped += end - position;
        if (end < data.Length && data[end] == (byte)'\n')
        {
            end++;
        }
        else if (end + 1 < data.Length && data[end] == (byte)'\r' && data[end + 1] == (byte)'\n')
        {
            end += 2;
        }

        return end;
    }

    /// <summary>Counts the NUL bytes skipped since the last read, and says so once per file.</summary>
    private void ReportSkippedNul()
    {
        if (NulBytesSkipped == _nulReported)
        {
            return;
        }

        if (!_holeReported)
        {
            _holeReported = true;
            CollectionLog.HoleSkipped(_logger, Path, NulBytesSkipped - _nulReported, _scanned);
        }

        _reading.Counters?.AddNulBytesSkipped(NulBytesSkipped - _nulReported);
        _nulReported = NulBytesSkipped;
    }

    /// <summary>
    /// Behind a long unfinished line, reads only what is new (from the anchor on) and looks for its
    /// end there: the held bytes are read again once, when the line ends or is due to be cut, so a
    /// line growing slowly costs reads linear in its length. Null when the line ended, is due to be
    /// cut, or the anchor does not match: then the whole read takes over.
    /// </summary>
    private int? ScanPastHeldLine(long length, long anchorStart)
    {
        var wanted = (int)Math.Min(length - anchorStart, LineChunk.MaxPooledBytes);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(wanted);
        try
        {
            var got = RandomAccess.Read(_handle, buffer.AsSpan(0, wanted), anchorStart);
            BytesReadFromFile += Math.Max(got, 0);
            var anchorLength = AnchorLength(_anchorOffset);
            var end = anchorStart + got;
            if (got <= 0 || end <= _scanned || end < _anchorOffset || AnchorOf(buffer.AsSpan(0, anchorLength)) != _anchor)
            {
                return null;
            }

            var fresh = buffer.AsSpan((int)(_scanned - anchorStart), (int)(end - _scanned));
            if (fresh.Contains((byte)'\n') || end - _lineStart >= _rawLineLimit)
            {
                return null;
            }

            var newBytes = (int)(end - _scanned);
            _scanned = end;
            SetAnchor(buffer.AsSpan(0, got), anchorStart);
            LastActivityUtc = _time.GetUtcNow().UtcDateTime;
            return newBytes;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Cuts a long line at UTF-8 character boundaries so that each piece's text, once invalid bytes are
    /// replaced, encodes to at most max_line_bytes; each piece is a line of its own. With
    /// <paramref name="lineNext"/> (a complete line) every byte goes and the last piece also covers the
    /// terminator; without it (-1) only full pieces go and the rest waits for more bytes.
    /// <paramref name="startInBuffer"/> is where the text is in the chunk, <paramref name="startInRead"/>
    /// where it is after <c>_lineStart</c>.
    /// </summary>
    private int EmitPieces(LineChunk chunk, int startInBuffer, int length, int startInRead, long lineNext)
    {
        var text = chunk.Buffer.AsSpan(startInBuffer, length);
        var done = 0;
        var keep = lineNext < 0 ? _rawLineLimit - 1 : 0;
        while (text.Length - done > keep)
        {
            var size = LineText.PieceLength(text[done..], _rawLineLimit);
            if (lineNext < 0 && size == text.Length - done)
            {
                // The rest fits a piece but is not finished: it waits for its newline.
                break;
            }

            var pieceStart = _lineStart + startInRead + done;
            var next = lineNext >= 0 && done + size == text.Length ? lineNext : pieceStart + size;
            Add(chunk, startInBuffer + done, size, pieceStart, next);
            CollectionLog.LineSplit(_logger, Path, pieceStart, size);
            done += size;
        }

        return done;
    }

    private void Add(LineChunk chunk, int start, int length, long offset, long next)
    {
        chunk.Add(new LineEntry { Start = start, Length = length, Offset = offset, NextOffset = next });
        _linesEnd = Math.Max(_linesEnd, next);
    }

    /// <summary>
    /// The fields every line of the file shares, made again when its path or file_id changes: the
    /// source's attributes, then what the path says of a Kubernetes pod (for the container formats).
    /// </summary>
    private LineOrigin Origin()
    {
        if (_origin is null || !ReferenceEquals(_origin.FileId, _fileId))
        {
            IReadOnlyList<KeyValuePair<string, string>> attributes = _reading.Attributes;
            if (_reading.Format != SourceFormat.Plain && KubernetesPathMetadata.TryParse(_path, out var kubernetes))
            {
                attributes = [.. _reading.Attributes, .. kubernetes.Where(k => !_reading.Attributes.Any(a => a.Key == k.Key))];
            }

            _origin = new LineOrigin(_label, _path, _fileId!, attributes);
        }

        return _origin;
    }

    /// <summary>Passes the raw lines of <paramref name="raw"/> through the assembler; returns the events that are complete.</summary>
    private LineChunk? Assemble(LineChunk raw, bool flush)
    {
        var output = _sink!.Begin(raw.Origin, raw.ReadAtUtc, raw.Buffer.Length);
        for (var i = 0; i < raw.Count; i++)
        {
            ref readonly var line = ref raw[i];
            _assembler!.Add(raw.Text(i), line.Offset, line.NextOffset, _sink);
        }

        if (flush)
        {
            _assembler!.Flush(_sink);
        }

        raw.Release();
        return Finish(output);
    }

    /// <summary>At release: the held line (if any) and every event still open go out.</summary>
    private LineChunk? FlushEvents(LineChunk? held)
    {
        if (_assembler is null)
        {
            return held;
        }

        if (held is not null)
        {
            return Assemble(held, flush: true);
        }

        if (_fileId is null)
        {
            return null;
        }

        var output = _sink!.Begin(Origin(), _time.GetUtcNow().UtcDateTime, 256);
        _assembler.Flush(_sink);
        return Finish(output);
    }

    private LineChunk? Finish(LineChunk output)
    {
        var counters = _assembler!.Counters;
        if (counters.UnparsedRecords > _unparsedSeen)
        {
            if (_unparsedSeen == 0)
            {
                CollectionLog.RecordsUnparsed(_logger, Path, _reading.Format.ToString().ToLowerInvariant(), counters.FirstUnparsedOffset ?? 0);
            }

            _reading.Counters?.AddRecordsUnparsed(counters.UnparsedRecords - _unparsedSeen);
            _unparsedSeen = counters.UnparsedRecords;
        }

        if (counters.CutEvents > _cutSeen)
        {
            _reading.Counters?.AddEventsCut(counters.CutEvents - _cutSeen);
            _cutSeen = counters.CutEvents;
        }

        var used = _sink!.End();
        if (output.Count == 0)
        {
            output.Release();
            return null;
        }

        output.ValidateUtf8(0, used);
        return output;
    }
}
