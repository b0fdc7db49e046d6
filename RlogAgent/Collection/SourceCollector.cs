using System.Buffers;
using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Reads every file one source names, in one loop (no thread per file): finds files by pattern,
/// follows them through rotation, truncation and deletion, and hands complete lines to the pipeline.
/// Wakes on change notifications, and polls every <c>poll_interval</c> where those fail.
/// </summary>
public sealed class SourceCollector : IDisposable
{
    /// <summary>Longest time between listings of a source's files while change notifications work.</summary>
    public static readonly TimeSpan FullScanInterval = TimeSpan.FromSeconds(1);

    private readonly SourceOptions _source;
    private readonly AgentOptions _options;
    private readonly CheckpointStore _checkpoints;
    private readonly ILineWriter _writer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SourcePattern _pattern;
    private readonly OpenFileLimit _openFiles;
    private readonly AgentCounters _counters;
    private readonly Dictionary<FileIdentity, FileTailer> _tailers = [];
    private readonly Dictionary<string, string> _reportedProblems = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private FileSystemWatcher? _watcher;
    private bool _wroteSinceCaughtUp;
    private int _namesChanged;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(FileTailer.ReadChunkBytes);

    public SourceCollector(SourceOptions source, AgentOptions options, CheckpointStore checkpoints, ILineWriter writer, OpenFileLimit openFiles, AgentCounters counters, ILogger logger, TimeProvider time)
    {
        _counters = counters;
        _openFiles = openFiles;
        _source = source;
        _options = options;
        _checkpoints = checkpoints;
        _writer = writer;
        _logger = logger;
        _time = time;
        _pattern = new SourcePattern(source.Path, source.Exclude);
    }

    /// <summary>Key under which the first scan of this source is remembered.</summary>
    public string SourceKey => _source.Label + "|" + _source.Path;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var firstScan = !_checkpoints.IsSourceInitialized(SourceKey);
            Scan(startAtEnd: firstScan && _options.ReadFrom == ReadFrom.End && !_checkpoints.Recovered);
            if (firstScan)
            {
                _checkpoints.MarkSourceInitialized(SourceKey);
                _checkpoints.Flush();
            }

            ResumeRotatedFiles();
            var poll = TimeSpan.FromSeconds(_options.PollInterval);
            var lastScan = _time.GetTimestamp();
            var lines = new List<LogLine>(1024);
            while (!cancellationToken.IsCancellationRequested)
            {
                var progress = await ReadAllAsync(lines, cancellationToken).ConfigureAwait(false);
                await ReleaseIdleAsync(lines, cancellationToken).ConfigureAwait(false);
                if (!progress)
                {
                    if (_wroteSinceCaughtUp)
                    {
                        // Caught up: a low-rate line goes now, not at the next flush_interval.
                        await _writer.OnCaughtUpAsync(cancellationToken).ConfigureAwait(false);
                        _wroteSinceCaughtUp = false;
                    }

                    EnsureWatcher();
                    await WaitForChangeAsync(poll, cancellationToken).ConfigureAwait(false);
                }

                // Names are listed again when the watcher saw one change, and otherwise every poll
                // interval; with a live watcher, at least every FullScanInterval, in case its
                // notifications do not cover everything (NFS, overlay file systems).
                var scanEvery = _watcher is null ? poll : (poll > FullScanInterval ? poll : FullScanInterval);
                if (Interlocked.Exchange(ref _namesChanged, 0) == 1 || _time.GetElapsedTime(lastScan) >= scanEvery)
                {
                    Scan(startAtEnd: false);
                    lastScan = _time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was read and not confirmed is read again at the next start.
        }
        catch (Exception e)
        {
            // A bug here must not take the other sources down; the agent reports it and goes on.
            CollectionLog.CollectorFailed(_logger, _source.Label, e.Message, e);
            throw;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        foreach (var tailer in _tailers.Values)
        {
            CloseTailer(tailer, dispose: true);
        }

        _tailers.Clear();
        _wake.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private async Task<bool> ReadAllAsync(List<LogLine> lines, CancellationToken cancellationToken)
    {
        var progress = false;
        foreach (var tailer in _tailers.Values)
        {
            int consumed;
            try
            {
                consumed = tailer.ReadLines(lines, ref _buffer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Report(tailer.Path, e.Message);
                continue;
            }

            _counters.FileLag[tailer.Path] = tailer.Lag;
            if (lines.Count > 0)
            {
                await _writer.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
                lines.Clear();
                _wroteSinceCaughtUp = true;
            }

            progress |= consumed > 0;
        }

        return progress;
    }

    /// <summary>Closes files that no path leads to any more once they are read out and idle for rotate_wait.</summary>
    private async Task ReleaseIdleAsync(List<LogLine> lines, CancellationToken cancellationToken)
    {
        List<FileTailer>? released = null;
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var tailer in _tailers.Values)
        {
            if (tailer.Detached && tailer.CaughtUp && now - tailer.LastActivityUtc >= TimeSpan.FromSeconds(_options.RotateWait))
            {
                tailer.FlushHeldLine(lines, ref _buffer);
                (released ??= []).Add(tailer);
            }
        }

        if (lines.Count > 0)
        {
            await _writer.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
            lines.Clear();
        }

        foreach (var tailer in released ?? [])
        {
            _tailers.Remove(tailer.Identity);
            _counters.FileLag.TryRemove(tailer.Path, out _);
            CloseTailer(tailer, dispose: true);
            CollectionLog.Released(_logger, tailer.Path);
        }
    }

    private void Scan(bool startAtEnd)
    {
        var seen = new HashSet<FileIdentity>();
        foreach (var path in _pattern.Match())
        {
            var identity = FileIdentity.OfPath(path, out var size, out var isDirectory);
            if (isDirectory)
            {
                Report(path, "it is a directory, not a file");
                continue;
            }

            if (identity is not { } id)
            {
                continue;
            }

            seen.Add(id);
            if (_tailers.TryGetValue(id, out var known))
            {
                if (known.Path != path)
                {
                    _counters.FileLag.TryRemove(known.Path, out _);
                    known.Path = path;
                    _checkpoints.UpdatePath(id, path);
                }

                known.Detached = false;
                if (!known.IsOpen && size != known.Scanned)
                {
                    Reopen(known, path);
                }

                continue;
            }

            TryOpen(path, startAtEnd, seen);
        }

        foreach (var tailer in _tailers.Values)
        {
            if (!tailer.Detached && !seen.Contains(tailer.Identity))
            {
                tailer.Detached = true;
                if (!tailer.IsOpen)
                {
                    // Closed for room and then rotated: find it beside its old name to read it out.
                    FindAndReopen(tailer);
                }

                var moved = tailer.CurrentPathOfHandle();
                if (moved is not null)
                {
                    _checkpoints.UpdatePath(tailer.Identity, moved);
                }

                CollectionLog.Detached(_logger, tailer.Path);
            }
        }
    }

    private void TryOpen(string path, bool startAtEnd, HashSet<FileIdentity> seen, bool detached = false)
    {
        if (!TakeHandle(path))
        {
            return;
        }

        try
        {
            var tailer = FileTailer.Open(_source.Label, path, _checkpoints, startAtEnd, _options.MaxLineBytes, _logger, _time);
            if (!_tailers.TryAdd(tailer.Identity, tailer))
            {
                tailer.Dispose();
                _openFiles.Return();
                return;
            }

            tailer.Detached = detached;
            seen.Add(tailer.Identity);
            if (_reportedProblems.Remove(path))
            {
                CollectionLog.ReadableAgain(_logger, path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _openFiles.Return();
            Report(path, e.Message);
        }
    }

    /// <summary>
    /// A handle under max_open_files: when the limit is reached, the file of this source idle the
    /// longest (read to its end, still at its path) is closed to make room; it is reopened by identity
    /// once it grows.
    /// </summary>
    private bool TakeHandle(string path)
    {
        if (_openFiles.TryTake())
        {
            return true;
        }

        var idlest = _tailers.Values
            .Where(t => t.IsOpen && !t.Detached && t.CaughtUp)
            .MinBy(t => t.LastActivityUtc);
        if (idlest is not null)
        {
            CloseTailer(idlest, dispose: false);
            if (_openFiles.TryTake())
            {
                return true;
            }
        }

        Report(path, $"max_open_files ({_openFiles.Max}) reached; waiting for a file to be released");
        return false;
    }

    private void Reopen(FileTailer tailer, string path)
    {
        if (!TakeHandle(path))
        {
            return;
        }

        try
        {
            if (!tailer.TryReopen(path))
            {
                _openFiles.Return();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _openFiles.Return();
            Report(path, e.Message);
        }
    }

    private void FindAndReopen(FileTailer tailer)
    {
        if (FindByIdentity(tailer.Path, tailer.Identity.ToString(), out _) is { } path)
        {
            Reopen(tailer, path);
        }
    }

    private void CloseTailer(FileTailer tailer, bool dispose)
    {
        if (tailer.IsOpen)
        {
            _openFiles.Return();
        }

        if (dispose)
        {
            tailer.Dispose();
        }
        else
        {
            tailer.Close();
        }
    }

    /// <summary>
    /// At start, files rotated away before they were read to their end are finished first. One
    /// rotated while the agent was down is found beside its last known name, by identity.
    /// </summary>
    private void ResumeRotatedFiles()
    {
        foreach (var cp in _checkpoints.All())
        {
            if (cp.Label != _source.Label || _tailers.Keys.Any(k => k.ToString() == cp.Identity))
            {
                continue;
            }

            var path = FindByIdentity(cp.Path, cp.Identity, out var size);
            if (path is not null && size > cp.Offset)
            {
                TryOpen(path, startAtEnd: false, [], detached: true);
            }
        }
    }

    private static string? FindByIdentity(string lastPath, string identity, out long size)
    {
        if (FileIdentity.OfPath(lastPath, out size, out _)?.ToString() == identity)
        {
            return lastPath;
        }

        var folder = Path.GetDirectoryName(lastPath);
        if (folder is not null && Directory.Exists(folder))
        {
            foreach (var candidate in Directory.EnumerateFiles(folder))
            {
                if (FileIdentity.OfPath(candidate, out size, out _)?.ToString() == identity)
                {
                    return candidate;
                }
            }
        }

        size = 0;
        return null;
    }

    /// <summary>One warning per path and cause, not one per poll.</summary>
    private void Report(string path, string reason)
    {
        if (!_reportedProblems.TryGetValue(path, out var last) || last != reason)
        {
            _reportedProblems[path] = reason;
            CollectionLog.CannotRead(_logger, path, reason);
        }
    }

    private void EnsureWatcher()
    {
        if (_watcher is not null || !Directory.Exists(_pattern.BaseDirectory))
        {
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(_pattern.BaseDirectory)
            {
                IncludeSubdirectories = _pattern.IncludesSubdirectories,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, _) => Wake();
            watcher.Created += (_, _) => NamesChanged();
            watcher.Renamed += (_, _) => NamesChanged();
            watcher.Deleted += (_, _) => NamesChanged();
            watcher.Error += (_, _) => NamesChanged();
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify watches, or a file system without notifications: polling covers it.
        }
    }

    private void NamesChanged()
    {
        Volatile.Write(ref _namesChanged, 1);
        Wake();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already awake, or stopping.
        }
    }

    private async Task WaitForChangeAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        await _wake.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
    }
}
