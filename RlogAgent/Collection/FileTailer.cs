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
public sealed partial class FileTailer : IDisposable
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

}
