using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Follows one file through its open handle, so a rename or delete of its path does not lose what is
/// still written to it. Splits complete lines (LF or CRLF), holds an unfinished last line until its
/// newline arrives, cuts lines whose text would encode longer than <c>max_line_bytes</c> into pieces,
/// and names every line by (file_id, offset). Each read lands in a pooled <see cref="LineChunk"/>
/// and its lines are slices of it: no string, no copy per line. A source with a record format
/// (cri, docker) or a multi-line rule passes its lines through an <see cref="EventAssembler"/>, and
/// ships its events (their text copied into a chunk of their own) with the event time, stream and
/// attributes; the position a restart resumes from never passes an event not yet shipped whole. Tells truncation by content as well as by size: the
/// bytes just before the read position are re-checked before every read, so a file truncated and
/// grown back past that position (copytruncate during an outage) is read again from its start.
/// Not thread-safe: one <see cref="SourceCollector"/> drives it.
/// </summary>
public sealed class FileTailer : IDisposable
{
    /// <summary>Most bytes of the file's start that identify its content (the first line, up to this).</summary>
    public const int FingerprintMaxBytes = 256;

    /// <summary>Bytes before the read position whose hash tells the same content from a rewritten one.</summary>
    public const int AnchorBytes = 64;

    /// <summary>Least new bytes a read asks for once a long unfinished line is held.</summary>
    public const int MinReadBytes = 4096;

    private readonly string _label;
    private readonly string _source;
    private SafeFileHandle _handle;
    private readonly CheckpointStore _checkpoints;
    private readonly int _maxLineBytes;
    private readonly int _rawLineLimit;
    private readonly EventReading _reading;
    private readonly EventAssembler? _assembler;
    private readonly EventChunkSink? _sink;
    private long _unparsedSeen;
    private long _cutSeen;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private string? _fileId;
    private string? _fingerprint;
    private int _fingerprintLength;
    private int _generation;
    private int _headLength;
    private bool _holeReported;
    private long _lineStart;
    private long _linesEnd;
    private long _nulReported;
    private long _scanned;
    private long _lastLength;
    private long _anchorOffset;
    private string? _anchor;
    private byte[]? _heldWhileClosed;
    private LineOrigin? _origin;
    private string _path;

    private FileTailer(string label, string source, string path, SafeFileHandle handle, FileIdentity identity, CheckpointStore checkpoints, int maxLineBytes, EventReading reading, ILogger logger, TimeProvider time)
    {
        _label = label;
        _source = source;
        _path = path;
        _handle = handle;
        Identity = identity;
        _checkpoints = checkpoints;
        _maxLineBytes = Math.Min(maxLineBytes, LineText.MaxBytes);
        _reading = reading;
        if (reading.NeedsAssembly)
        {
            _assembler = new EventAssembler(reading.Format, _maxLineBytes, reading.Multiline, time);
            _sink = new EventChunkSink();
        }

        // A container record is cut by the assembler after it is decoded (a record cut before could
        // not be parsed); plain lines are cut here, as they are read.
        _rawLineLimit = reading.Format == SourceFormat.Plain ? _maxLineBytes : LineText.MaxBytes;
        _logger = logger;
        _time = time;
        LastActivityUtc = time.GetUtcNow().UtcDateTime;
    }

    /// <summary>Where the file was last found; lines carry it as their source.</summary>
    public string Path
    {
        get => _path;
        set
        {
            if (value != _path)
            {
                _path = value;
                _origin = null;
            }
        }
    }

    public FileIdentity Identity { get; }

    /// <summary>True once no configured path leads to this file any more (rotated away or deleted).</summary>
    public bool Detached { get; set; }

    /// <summary>False while the handle is closed to stay under max_open_files; <see cref="TryReopen"/> brings it back.</summary>
    public bool IsOpen => !_handle.IsClosed;

    /// <summary>Bytes examined so far: what the file's length is compared with to see if it grew.</summary>
    public long Scanned => _scanned;

    /// <summary>True when change notifications do not reach this file (a link into an unwatched folder): it is polled.</summary>
    public bool ChangesUnseen { get; set; }

    /// <summary>The file's size at the last scan that found it by name.</summary>
    public long LastSeenSize { get; set; }

    /// <summary>When new bytes were last read, or the tailer opened.</summary>
    public DateTime LastActivityUtc { get; private set; }

    /// <summary>
    /// True when every byte of the open file has been examined (an unfinished line may be held).
    /// A closed tailer is never caught up: what its file holds now is unknown until it is reopened.
    /// </summary>
    public bool CaughtUp => IsOpen && _scanned >= SafeLength();

    /// <summary>Bytes of the file not yet examined, as of the last read.</summary>
    public long Lag => Math.Max(0, _lastLength - _scanned);

    /// <summary>False until the file's first line (or 256 bytes) exists and names its content.</summary>
    public bool HasFileId => _fileId is not null;

    /// <summary>The truncation generation of the content read now (part of its file_id when above 0).</summary>
    public int Generation => _generation;

    /// <summary>Bytes read from the file by <see cref="Read"/> so far: stays linear in the bytes written, whatever the line lengths.</summary>
    public long BytesReadFromFile { get; private set; }

    /// <summary>NUL bytes skipped where a line would start (the hole a writer leaves after copytruncate).</summary>
    public long NulBytesSkipped { get; private set; }

    /// <summary>
    /// Opens a file and decides where to start: at its confirmed checkpoint when it is a file seen
    /// before (same identity and first bytes, and the bytes last read still in place), otherwise at
    /// 0, or at its end when <paramref name="startAtEnd"/> (read_from: end, at a source's first scan).
    /// </summary>
    public static FileTailer Open(string label, string path, CheckpointStore checkpoints, bool startAtEnd, int maxLineBytes, ILogger logger, TimeProvider time, EventReading? reading = null, string? source = null)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var identity = FileIdentity.OfHandle(handle, path);
            var tailer = new FileTailer(label, source ?? label, path, handle, identity, checkpoints, maxLineBytes, reading ?? EventReading.Plain, logger, time);
            tailer.Start(startAtEnd);
            return tailer;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads what is new (at most about one pooled buffer) into <paramref name="chunk"/>: its complete
    /// lines, or null when none was finished. Returns the number of new bytes taken; 0 when there was
    /// nothing new. The caller owns the chunk (one reference) and hands it on or releases it.
    /// </summary>
    public int Read(out LineChunk? chunk)
    {
        chunk = null;
        if (!IsOpen)
        {
            return 0;
        }

        var length = RandomAccess.GetLength(_handle);
        _lastLength = length;
        if (length < _scanned)
        {
            OnTruncated(length);
        }

        if (length <= _scanned)
        {
            return 0;
        }

        if (_fileId is null && !TryEstablishFileId(force: false))
        {
            // Nothing can be named before the first line (or 256 bytes) exists: wait for more.
            return 0;
        }

        // One read covers the anchor before the read position (to check the content is the same),
        // the held unfinished line, and the new bytes: a pooled buffer's worth, or, behind a long
        // held line, as much again as is held, so a long line costs reads in proportion to its size.
        var anchorStart = _anchor is null ? _lineStart : _anchorOffset - AnchorLength(_anchorOffset);
        if (_scanned - _lineStart > MinReadBytes && _anchor is not null && ScanPastHeldLine(length, anchorStart) is { } scanned)
        {
            // A long unfinished line grew and is still unfinished: only its new bytes were read.
            return scanned;
        }

        var readFrom = Math.Min(_lineStart, anchorStart);
        var held = _scanned - readFrom;
        var fresh = Math.Max(Math.Max(LineChunk.MaxPooledBytes - held, held), MinReadBytes);
        var wanted = (int)Math.Min(length - readFrom, held + fresh);
        var read = new LineChunk(Origin(), wanted, _time.GetUtcNow().UtcDateTime, wanted / 128);
        var got = RandomAccess.Read(_handle, read.Buffer.AsSpan(0, wanted), readFrom);
        if (got <= 0)
        {
            read.Release();
            return 0;
        }

        BytesReadFromFile += got;

        if (_anchor is not null && (readFrom + got < _anchorOffset || AnchorOf(read.Buffer.AsSpan((int)(anchorStart - readFrom), AnchorLength(_anchorOffset))) != _anchor))
        {
            // Rewritten under the read position: copytruncate and the file grew back past it.
            read.Release();
            OnTruncated(length);
            return 1;
        }

        var skip = (int)(_lineStart - readFrom);
        var consumed = SplitLines(read, skip, got - skip);
        var newBytes = (int)(readFrom + got - _scanned);
        _scanned = readFrom + got;
        _lineStart += consumed;
        SetAnchor(read.Buffer.AsSpan(0, got), readFrom);
        LastActivityUtc = read.ReadAtUtc;
        ReportSkippedNul();
        if (_generation > 0 && _headLength < GenerationLedger.HeadBytes && _scanned > _headLength)
        {
            RecordHead();
        }

        if (read.Count == 0)
        {
            read.Release();
        }
        else if (_assembler is not null)
        {
            chunk = Assemble(read, flush: false);
        }
        else
        {
            read.ValidateUtf8(skip, consumed);
            chunk = read;
        }

        return Math.Max(newBytes, 1);
    }

    /// <summary>
    /// Checks, without reading new lines, that the file still holds what was read: a file shorter
    /// than the read position, or with other bytes before it, was truncated and is taken from its
    /// start again under a new file_id. Returns true when it was.
    /// </summary>
    public bool CheckTruncation()
    {
        if (!IsOpen)
        {
            return false;
        }

        var length = RandomAccess.GetLength(_handle);
        if (length < _scanned)
        {
            OnTruncated(length);
            return true;
        }

        if (_anchor is null || !AnchorDiffers())
        {
            return false;
        }

        OnTruncated(length);
        return true;
    }

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

    /// <summary>When a multi-line event left open is due to go out (its timeout); null when none is open.</summary>
    public TimeSpan? EventsDueIn => _assembler?.DueIn;

    /// <summary>The multi-line events whose timeout passed, as a chunk; null when there are none.</summary>
    public LineChunk? EmitExpiredEvents()
    {
        if (_assembler is null || _fileId is null || _assembler.DueIn is not { } due || due > TimeSpan.Zero)
        {
            return null;
        }

        var output = _sink!.Begin(Origin(), _time.GetUtcNow().UtcDateTime, 256);
        _assembler.EmitExpired(_sink);
        return Finish(output);
    }

    /// <summary>The path the open handle has now (after a rename), where the OS can tell.</summary>
    public string? CurrentPathOfHandle()
    {
        if (!OperatingSystem.IsLinux() || !IsOpen)
        {
            return null;
        }

        var added = false;
        try
        {
            // Held by a reference, so the descriptor cannot be closed and reused while it is looked up.
            _handle.DangerousAddRef(ref added);
            var target = File.ResolveLinkTarget($"/proc/self/fd/{_handle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName;
            return target is null || target.EndsWith(" (deleted)", StringComparison.Ordinal) ? null : target;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Closes the handle but keeps the position: the file is reopened by identity when it grows.
    /// The unfinished last line is kept in memory, so it still ships if the file is deleted meanwhile.
    /// </summary>
    public void Close()
    {
        if (!IsOpen)
        {
            return;
        }

        // As much as a raw line may hold: a cri or docker record is cut only after it is decoded.
        var held = (int)Math.Min(_scanned - _lineStart, _rawLineLimit);
        if (held > 0)
        {
            var copy = new byte[held];
            var read = RandomAccess.Read(_handle, copy, _lineStart);
            _heldWhileClosed = read == held ? copy : copy[..Math.Max(read, 0)];
        }

        _handle.Dispose();
    }

    /// <summary>Reopens a closed tailer if <paramref name="path"/> is still the same file; false otherwise.</summary>
    public bool TryReopen(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (FileIdentity.OfHandle(handle, path) != Identity)
        {
            handle.Dispose();
            return false;
        }

        _handle = handle;
        _heldWhileClosed = null;
        Path = path;
        return true;
    }

    public void Dispose() => _handle.Dispose();

    private void Start(bool startAtEnd)
    {
        var length = RandomAccess.GetLength(_handle);
        var saved = _checkpoints.Find(Identity);
        if (saved is not null && saved.Fingerprint is not null && FingerprintMatches(saved))
        {
            _fileId = saved.FileId;
            _fingerprint = saved.Fingerprint;
            _fingerprintLength = saved.FingerprintLength;
            _generation = saved.Generation;
            _lineStart = _scanned = saved.Offset;
            if (saved.Path != Path)
            {
                _checkpoints.UpdatePath(Identity, Path);
            }

            if (saved.Anchor is not null && saved.AnchorOffset >= saved.Offset)
            {
                _anchorOffset = saved.AnchorOffset;
                _anchor = saved.Anchor;
            }

            if (length < saved.Offset || length < _anchorOffset || (_anchor is not null && AnchorDiffers()))
            {
                // Truncated, or a reused inode, while the agent was down, even with the same first line.
                OnTruncated(length);
                return;
            }

            // Reading goes on from the confirmed offset: anchor there, so the next read covers it.
            _linesEnd = _lineStart;
            AnchorAtReadPosition();
            CollectionLog.Resumed(_logger, Path, _fileId ?? "", _lineStart);
            return;
        }

        if (saved is not null && saved.Fingerprint is null && saved.Offset <= length)
        {
            // Seen before its first line existed: its start offset stands, its id comes with that line.
            _lineStart = _scanned = saved.Offset;
            _generation = saved.Generation;
        }
        else
        {
            _lineStart = _scanned = startAtEnd ? length : 0;
            _generation = GenerationAtStart(saved, length);
        }

        _linesEnd = _lineStart;

        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }

        AnchorAtReadPosition();
        CollectionLog.Opened(_logger, Path, Identity.ToString(), _lineStart);
    }

    /// <summary>
    /// The generation of a content met at start that its checkpoint does not describe. A checkpoint
    /// that names other bytes means the file was truncated (or its inode reused) while the agent was
    /// stopped: a new generation, above every one the file had. Without a checkpoint (lost, or never
    /// written) the ledger tells a content seen before by its first bytes; a file never truncated is 0.
    /// </summary>
    private int GenerationAtStart(FileCheckpoint? saved, long length)
    {
        var identity = Identity.ToString();
        var highest = Math.Max(_checkpoints.Generations.MaxGeneration(identity), saved?.Generation ?? 0);
        if (saved is not null)
        {
            return highest + 1;
        }

        foreach (var content in _checkpoints.Generations.Of(identity))
        {
            if (content.HeadLength <= length && HeadHash(content.HeadLength) == content.HeadHash)
            {
                return content.Generation;
            }
        }

        return highest == 0 ? 0 : highest + 1;
    }

    /// <summary>Records the first bytes of a truncated file's content, so it is known again without its checkpoint.</summary>
    private void RecordHead()
    {
        var length = (int)Math.Min(Math.Max(_scanned, _fingerprintLength), GenerationLedger.HeadBytes);
        if (HeadHash(length) is { } hash)
        {
            _headLength = length;
            _checkpoints.RecordGeneration(Identity, _generation, length, hash);
        }
    }

    /// <summary>
    /// Hash of the file's first <paramref name="length"/> bytes (at most <see cref="GenerationLedger.HeadBytes"/>),
    /// or null when it is shorter: what a fingerprint and a generation's head are checked by.
    /// </summary>
    private string? HeadHash(int length)
    {
        Span<byte> head = stackalloc byte[GenerationLedger.HeadBytes];
        return length <= head.Length && RandomAccess.Read(_handle, head[..length], 0) == length ? Hash(head[..length]) : null;
    }

    private void OnTruncated(long length)
    {
        CollectionLog.Truncated(_logger, Path, _fileId ?? "", _scanned, length);
        _generation = Math.Max(_generation, _checkpoints.Generations.MaxGeneration(Identity.ToString())) + 1;
        _headLength = 0;
        _fileId = null;
        _fingerprint = null;
        _fingerprintLength = 0;
        _anchor = null;
        _anchorOffset = 0;
        _lineStart = _scanned = _linesEnd = 0;
        _assembler?.Reset();
        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }
    }

    private bool FingerprintMatches(FileCheckpoint saved) =>
        saved.FingerprintLength <= FingerprintMaxBytes && HeadHash(saved.FingerprintLength) == saved.Fingerprint;

    /// <summary>True when the bytes before the anchor offset are not the ones read there (or are gone).</summary>
    private bool AnchorDiffers()
    {
        var size = AnchorLength(_anchorOffset);
        Span<byte> bytes = stackalloc byte[AnchorBytes];
        var read = RandomAccess.Read(_handle, bytes[..size], _anchorOffset - size);
        return read != size || AnchorOf(bytes[..size]) != _anchor;
    }

    /// <summary>Anchors at the read position when reading starts past the file's beginning.</summary>
    private void AnchorAtReadPosition()
    {
        _anchor = null;
        _anchorOffset = 0;
        if (_scanned > 0)
        {
            SetAnchor([], _scanned);
        }
    }

    /// <summary>Remembers the hash of the last bytes read; <paramref name="data"/> starts at file offset <paramref name="dataStart"/>.</summary>
    private void SetAnchor(ReadOnlySpan<byte> data, long dataStart)
    {
        var size = AnchorLength(_scanned);
        var from = _scanned - size - dataStart;
        if (from < 0)
        {
            // Fewer bytes in this read than the anchor covers: read them (a small file, or a slow writer).
            Span<byte> bytes = stackalloc byte[AnchorBytes];
            if (RandomAccess.Read(_handle, bytes[..size], _scanned - size) != size)
            {
                return;
            }

            _anchor = AnchorOf(bytes[..size]);
        }
        else
        {
            _anchor = AnchorOf(data.Slice((int)from, size));
        }

        _anchorOffset = _scanned;
        _checkpoints.SetAnchor(Identity, _anchorOffset, _anchor);
    }

    private static int AnchorLength(long offset) => (int)Math.Min(AnchorBytes, offset);

    /// <summary>
    /// The file's id comes from its identity and its first line (or first 256 bytes): the same for the
    /// same content after a restart or a rename, different for a reused inode or rewritten content.
    /// </summary>
    private bool TryEstablishFileId(bool force)
    {
        Span<byte> head = stackalloc byte[FingerprintMaxBytes];
        var read = RandomAccess.Read(_handle, head, 0);
        var newline = head[..read].IndexOf((byte)'\n');
        int length;
        if (newline >= 0)
        {
            length = newline + 1;
        }
        else if (read == FingerprintMaxBytes || (force && read > 0))
        {
            length = read;
        }
        else
        {
            return false;
        }

        _fingerprintLength = length;
        _fingerprint = Hash(head[..length]);
        var identity = Identity.Birth == 0
            ? $"{Identity.Device:x}-{Identity.Inode:x}"
            : $"{Identity.Device:x}-{Identity.Inode:x}-{Identity.Birth:x}";
        _fileId = _generation == 0
            ? $"{identity}-{_fingerprint}"
            : $"{identity}-{_fingerprint}-{_generation}";
        SaveCheckpoint();
        if (_generation > 0)
        {
            RecordHead();
        }

        return true;
    }

    private void SaveCheckpoint()
    {
        _checkpoints.Set(new FileCheckpoint
        {
            Identity = Identity.ToString(),
            Label = _label,
            Source = _source,
            Path = Path,
            FileId = _fileId,
            Fingerprint = _fingerprint,
            FingerprintLength = _fingerprintLength,
            Generation = _generation,
            Offset = _lineStart,
            AnchorOffset = _anchorOffset,
            Anchor = _anchor,
        });
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

    private long SafeLength()
    {
        if (!IsOpen)
        {
            return _scanned;
        }

        try
        {
            return RandomAccess.GetLength(_handle);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return _scanned;
        }
    }

    private static string AnchorOf(ReadOnlySpan<byte> bytes) => Hash(bytes);

    private static string Hash(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        ContentHash.Sha256(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }
}
