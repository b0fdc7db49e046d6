using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace RlogAgent.Collection;

/// <summary>
/// Follows one file through its open handle, so a rename or delete of its path does not lose what is
/// still written to it. Splits complete lines (LF or CRLF), holds an unfinished last line until its
/// newline arrives, cuts lines longer than <c>max_line_bytes</c> into pieces, and names every line by
/// (file_id, offset). Not thread-safe: one <see cref="SourceCollector"/> drives it.
/// </summary>
public sealed class FileTailer : IDisposable
{
    /// <summary>Most bytes of the file's start that identify its content (the first line, up to this).</summary>
    public const int FingerprintMaxBytes = 256;

    /// <summary>New bytes taken per read: enough to amortise the call, small enough to share the reader between files.</summary>
    public const int ReadChunkBytes = 128 * 1024;

    private readonly string _label;
    private SafeFileHandle _handle;
    private readonly CheckpointStore _checkpoints;
    private readonly int _maxLineBytes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private string? _fileId;
    private string? _fingerprint;
    private int _fingerprintLength;
    private int _generation;
    private long _lineStart;
    private long _scanned;
    private long _lastLength;

    private FileTailer(string label, string path, SafeFileHandle handle, FileIdentity identity, CheckpointStore checkpoints, int maxLineBytes, ILogger logger, TimeProvider time)
    {
        _label = label;
        Path = path;
        _handle = handle;
        Identity = identity;
        _checkpoints = checkpoints;
        _maxLineBytes = maxLineBytes;
        _logger = logger;
        _time = time;
        LastActivityUtc = time.GetUtcNow().UtcDateTime;
    }

    /// <summary>Where the file was last found; lines carry it as their source.</summary>
    public string Path { get; set; }

    public FileIdentity Identity { get; }

    /// <summary>True once no configured path leads to this file any more (rotated away or deleted).</summary>
    public bool Detached { get; set; }

    /// <summary>False while the handle is closed to stay under max_open_files; <see cref="TryReopen"/> brings it back.</summary>
    public bool IsOpen => !_handle.IsClosed;

    /// <summary>Bytes examined so far: what the file's length is compared with to see if it grew.</summary>
    public long Scanned => _scanned;

    /// <summary>When new bytes were last read, or the tailer opened.</summary>
    public DateTime LastActivityUtc { get; private set; }

    /// <summary>True when every byte of the file has been examined (an unfinished line may be held).</summary>
    public bool CaughtUp => _scanned >= SafeLength();

    /// <summary>Bytes of the file not yet examined, as of the last read.</summary>
    public long Lag => Math.Max(0, _lastLength - _scanned);

    /// <summary>
    /// Opens a file and decides where to start: at its confirmed checkpoint when it is a file seen
    /// before (same identity and first bytes), otherwise at 0, or at its end when <paramref name="startAtEnd"/>
    /// (read_from: end, at a source's first scan).
    /// </summary>
    public static FileTailer Open(string label, string path, CheckpointStore checkpoints, bool startAtEnd, int maxLineBytes, ILogger logger, TimeProvider time)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var identity = FileIdentity.OfHandle(handle, path);
            var tailer = new FileTailer(label, path, handle, identity, checkpoints, maxLineBytes, logger, time);
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
    /// Reads what is new (at most about one buffer) and appends its complete lines to
    /// <paramref name="output"/>. Returns the number of bytes consumed; 0 when there was nothing new.
    /// </summary>
    public int ReadLines(List<LogLine> output, ref byte[] buffer)
    {
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

        var held = (int)(_scanned - _lineStart);
        var wanted = (int)Math.Min(length - _lineStart, held + (long)ReadChunkBytes);
        EnsureCapacity(ref buffer, wanted);
        var read = RandomAccess.Read(_handle, buffer.AsSpan(0, wanted), _lineStart);
        if (read <= 0)
        {
            return 0;
        }

        var consumed = SplitLines(buffer.AsSpan(0, read), output);
        var newBytes = (int)(_lineStart + read - _scanned);
        _scanned = _lineStart + read;
        _lineStart += consumed;
        LastActivityUtc = _time.GetUtcNow().UtcDateTime;
        return Math.Max(newBytes, 1);
    }

    /// <summary>
    /// Ships the unfinished last line, if any: used once a rotated-away or deleted file has been idle
    /// for rotate_wait, when no newline will come any more.
    /// </summary>
    public void FlushHeldLine(List<LogLine> output, ref byte[] buffer)
    {
        var length = RandomAccess.GetLength(_handle);
        if (length <= _lineStart || (_fileId is null && !TryEstablishFileId(force: true)))
        {
            return;
        }

        var size = (int)Math.Min(length - _lineStart, _maxLineBytes);
        EnsureCapacity(ref buffer, size);
        var read = RandomAccess.Read(_handle, buffer.AsSpan(0, size), _lineStart);
        if (read > 0)
        {
            var text = buffer.AsSpan(0, read);
            if (text[^1] == (byte)'\r')
            {
                text = text[..^1];
            }

            output.Add(NewLine(text, _lineStart, _lineStart + read, _time.GetUtcNow().UtcDateTime));
            _lineStart += read;
            _scanned = Math.Max(_scanned, _lineStart);
        }
    }

    /// <summary>The path the open handle has now (after a rename), where the OS can tell.</summary>
    public string? CurrentPathOfHandle()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var target = File.ResolveLinkTarget($"/proc/self/fd/{_handle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName;
            return target is null || target.EndsWith(" (deleted)", StringComparison.Ordinal) ? null : target;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Closes the handle but keeps the position: the file is reopened by identity when it grows.</summary>
    public void Close() => _handle.Dispose();

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

            if (length < saved.Offset)
            {
                OnTruncated(length);
            }

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
        }

        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }

        CollectionLog.Opened(_logger, Path, Identity.ToString(), _lineStart);
    }

    private void OnTruncated(long length)
    {
        CollectionLog.Truncated(_logger, Path, _fileId ?? "", _scanned, length);
        _generation++;
        _fileId = null;
        _fingerprint = null;
        _fingerprintLength = 0;
        _lineStart = _scanned = 0;
        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }
    }

    private bool FingerprintMatches(FileCheckpoint saved)
    {
        Span<byte> head = stackalloc byte[FingerprintMaxBytes];
        var read = RandomAccess.Read(_handle, head[..saved.FingerprintLength], 0);
        return read == saved.FingerprintLength && Hash(head[..read]) == saved.Fingerprint;
    }

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
        _fileId = _generation == 0
            ? $"{Identity.Device:x}-{Identity.Inode:x}-{_fingerprint}"
            : $"{Identity.Device:x}-{Identity.Inode:x}-{_fingerprint}-{_generation}";
        SaveCheckpoint();
        return true;
    }

    private void SaveCheckpoint()
    {
        _checkpoints.Set(new FileCheckpoint
        {
            Identity = Identity.ToString(),
            Label = _label,
            Path = Path,
            FileId = _fileId,
            Fingerprint = _fingerprint,
            FingerprintLength = _fingerprintLength,
            Generation = _generation,
            Offset = _lineStart,
        });
    }

    private int SplitLines(ReadOnlySpan<byte> data, List<LogLine> output)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var position = 0;
        while (true)
        {
            var newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            var end = position + newline;
            var textEnd = end > position && data[end - 1] == (byte)'\r' ? end - 1 : end;
            var text = data[position..textEnd];
            if (text.Length > _maxLineBytes)
            {
                EmitPieces(text, position, _lineStart + end + 1, now, output);
            }
            else
            {
                output.Add(NewLine(text, _lineStart + position, _lineStart + end + 1, now));
            }

            position = end + 1;
        }

        // An unfinished line longer than the limit is not held whole: its full pieces go now.
        if (data.Length - position >= _maxLineBytes)
        {
            position += EmitPieces(data[position..], position, -1, now, output);
        }

        return position;
    }

    /// <summary>
    /// Cuts a long line at UTF-8 character boundaries; each piece is a line of its own. With
    /// <paramref name="lineNext"/> (a complete line) every byte goes and the last piece also covers the
    /// terminator; without it (-1) only full pieces go and the rest waits for more bytes.
    /// </summary>
    private int EmitPieces(ReadOnlySpan<byte> text, int startInBuffer, long lineNext, DateTime now, List<LogLine> output)
    {
        var done = 0;
        var keep = lineNext < 0 ? _maxLineBytes - 1 : 0;
        while (text.Length - done > keep)
        {
            var size = Math.Min(_maxLineBytes, text.Length - done);
            var back = 0;
            while (size == _maxLineBytes && back < 3 && done + size - back < text.Length && (text[done + size - back] & 0xC0) == 0x80)
            {
                back++;
            }

            size -= back;
            var pieceStart = _lineStart + startInBuffer + done;
            var next = lineNext >= 0 && done + size == text.Length ? lineNext : pieceStart + size;
            output.Add(NewLine(text.Slice(done, size), pieceStart, next, now));
            CollectionLog.LineSplit(_logger, Path, pieceStart, size);
            done += size;
        }

        return done;
    }

    private LogLine NewLine(ReadOnlySpan<byte> text, long offset, long next, DateTime now)
    {
        return new LogLine(_label, Encoding.UTF8.GetString(text), now, Path, _fileId!, offset, next);
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
        catch (IOException)
        {
            return _scanned;
        }
    }

    private static void EnsureCapacity(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(size);
        }
    }

    private static string Hash(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }
}
