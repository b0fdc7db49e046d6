using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Which files the source has open: scanning its pattern, opening (within max_open_files),
/// reopening a file found under another name, releasing idle and deleted files, and reading out
/// rotated files closed for room.
/// </summary>
public sealed partial class SourceCollector
{
    /// <summary>Closes files that no path leads to any more once they are read out and idle for rotate_wait.</summary>
    private async Task ReleaseIdleAsync(CancellationToken cancellationToken)
    {
        List<(FileTailer Tailer, long End)>? released = null;
        List<LineChunk>? last = null;
        List<(FileTailer, Exception)>? failed = null;
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var tailer in _tailers.Values)
        {
            if (!tailer.Detached || now - tailer.LastActivityUtc < _options.RotateWait)
            {
                continue;
            }

            try
            {
                // A file that never got its first line (a partial line under 256 bytes) is never
                // caught up by Read: it is released like the others, its partial line shipped.
                if (tailer.IsOpen && !tailer.CaughtUp && tailer.HasFileId)
                {
                    continue;
                }

                if (!tailer.IsOpen)
                {
                    // Closed for room and rotated away: what was written to it after it was closed
                    // is read before it is released, as long as it can still be found.
                    var found = FindByIdentity(tailer.Path, tailer.Identity.ToString(), out var size);
                    if (found is not null)
                    {
                        if (found != tailer.Path)
                        {
                            // Its new name: the next look (while it waits for a handle) needs no listing.
                            _counters.FileLag.TryRemove(tailer.Path, out _);
                            tailer.Path = found;
                            _checkpoints.UpdatePath(tailer.Identity, found);
                        }

                        tailer.LastSeenSize = size;
                        if (size != tailer.Scanned)
                        {
                            Reopen(tailer, found);
                            continue;
                        }
                    }
                    else if (tailer.LastSeenSize > tailer.Scanned)
                    {
                        // Deleted while closed: those bytes went with it.
                        CollectionLog.GoneWhileClosed(_logger, tailer.Path, tailer.LastSeenSize - tailer.Scanned, tailer.Scanned);
                    }
                }

                var end = tailer.FlushHeldLine(out var chunk);
                if (chunk is not null)
                {
                    (last ??= []).Add(chunk);
                }

                (released ??= []).Add((tailer, end));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (failed ??= []).Add((tailer, e));
            }
        }

        foreach (var chunk in last ?? [])
        {
            await _writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (tailer, end) in released ?? [])
        {
            _tailers.Remove(tailer.Identity);
            _counters.FileLag.TryRemove(tailer.Path, out _);
            CloseTailer(tailer, dispose: true);
            _claims.Release(tailer.Identity, SourceKey);
            _checkpoints.MarkReleased(tailer.Identity, end);
            CollectionLog.Released(_logger, tailer.Path);
        }

        foreach (var (tailer, e) in failed ?? [])
        {
            Drop(tailer, e);
        }
    }

    /// <summary>One file failed: it alone is closed and forgotten; the next scan opens it again from its checkpoint.</summary>
    private void Drop(FileTailer tailer, Exception e)
    {
        if (!_reportedProblems.TryGetValue(tailer.Path, out var last) || last != e.Message)
        {
            _reportedProblems[tailer.Path] = e.Message;
            CollectionLog.FileFailed(_logger, tailer.Path, e.Message, e);
        }

        _tailers.Remove(tailer.Identity);
        _counters.FileLag.TryRemove(tailer.Path, out _);
        try
        {
            CloseTailer(tailer, dispose: true);
        }
        finally
        {
            _claims.Release(tailer.Identity, SourceKey);
        }
    }

    private void Scan(bool startAtEnd)
    {
        var matched = ScanFiles(startAtEnd);
        if ((matched == 0) != _matchesNothing)
        {
            // Said when it starts and when it ends, not at every scan: a pattern with a typo is
            // never silent, and one waiting for its first file is said once.
            _matchesNothing = matched == 0;
            _counters.SetMatchesNothing(SourceKey, _matchesNothing);
            if (_matchesNothing)
            {
                CollectionLog.MatchesNothing(_logger, _source.Label, _source.Path);
            }
            else
            {
                CollectionLog.MatchesFiles(_logger, _source.Label, _source.Path, matched);
            }
        }
    }

    /// <summary>Lists the source's files and follows what changed; returns how many paths the pattern matched.</summary>
    private int ScanFiles(bool startAtEnd)
    {
        // One path per file: a link and its target (or two links) are one file, kept at the path
        // it already has, so its source does not flip between scans.
        _waitingForHandle = false;
        var found = new Dictionary<FileIdentity, (string Path, long Size)>();
        var matched = 0;
        foreach (var path in _pattern.Match(ReportFolder).Order(StringComparer.Ordinal))
        {
            // Anything the pattern names counts: a directory or a FIFO there is warned about on its own.
            matched++;
            var identity = FileIdentity.OfPath(path, out var size, out var isDirectory, out var isRegular);
            if (isDirectory)
            {
                Report(path, "it is a directory, not a file");
                continue;
            }

            if (identity is not { } id)
            {
                continue;
            }

            if (!isRegular)
            {
                // A FIFO or a device has no offsets to name lines by, and opening a FIFO blocks.
                Report(path, "it is not a regular file (a FIFO, socket or device)");
                continue;
            }

            if (!found.ContainsKey(id) || (_tailers.TryGetValue(id, out var current) && current.Path == path))
            {
                found[id] = (path, size);
            }
        }

        var seen = new HashSet<FileIdentity>();
        List<(FileTailer, Exception)>? failed = null;
        foreach (var (id, (path, size)) in found)
        {
            seen.Add(id);
            if (!_tailers.TryGetValue(id, out var known))
            {
                TryOpen(path, startAtEnd, seen);
                continue;
            }

            try
            {
                if (known.Path != path)
                {
                    _counters.FileLag.TryRemove(known.Path, out _);
                    known.Path = path;
                    _checkpoints.UpdatePath(id, path);
                }

                known.Detached = false;
                known.LastSeenSize = size;
                if (!known.IsOpen && size != known.Scanned)
                {
                    Reopen(known, path);
                }
                else if (known.IsOpen)
                {
                    // Truncation by content too: a waiting or idle reader still notices copytruncate.
                    known.CheckTruncation();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (failed ??= []).Add((known, e));
            }
        }

        foreach (var tailer in _tailers.Values)
        {
            if (tailer.Detached || seen.Contains(tailer.Identity))
            {
                continue;
            }

            try
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
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (failed ??= []).Add((tailer, e));
            }
        }

        foreach (var (tailer, e) in failed ?? [])
        {
            Drop(tailer, e);
        }

        return matched;
    }

    private void TryOpen(string path, bool startAtEnd, HashSet<FileIdentity> seen, bool detached = false)
    {
        if (FileIdentity.OfPath(path, out _, out _) is not { } id)
        {
            return;
        }

        // Claimed before it is opened: opening sets its checkpoint, which belongs to one reader.
        if (!_claims.TryClaim(id, SourceKey, out var owner))
        {
            if (!_reportedProblems.TryGetValue(path, out var last) || last != owner)
            {
                _reportedProblems[path] = owner;
                CollectionLog.ReadElsewhere(_logger, path, owner);
            }

            return;
        }

        if (!TakeHandle(path))
        {
            _claims.Release(id, SourceKey);
            return;
        }

        try
        {
            var tailer = FileTailer.Open(_source.Label, path, _checkpoints, startAtEnd, _options.MaxLineBytes, _logger, _time, Reading, SourceKey);
            if (tailer.Identity != id || !_tailers.TryAdd(tailer.Identity, tailer))
            {
                // Replaced between the look and the open: the next scan takes up whatever is there now.
                tailer.Dispose();
                _openFiles.Return();
                _claims.Release(id, SourceKey);
                return;
            }

            tailer.Detached = detached;
            tailer.ChangesUnseen = IsLinkedOutsideWatch(path);
            seen.Add(tailer.Identity);
            if (_reportedProblems.Remove(path))
            {
                CollectionLog.ReadableAgain(_logger, path);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _openFiles.Return();
            _claims.Release(id, SourceKey);
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
        _waitingForHandle = true;
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
            // A checkpoint belongs to the source that wrote it: two sources may share a label.
            var mine = cp.Source.Length > 0 ? cp.Source == SourceKey : cp.Label == _source.Label;
            if (!mine || _tailers.Keys.Any(k => IsIdentity(k, cp.Identity)))
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
        if (IsIdentity(FileIdentity.OfPath(lastPath, out size, out _), identity))
        {
            return lastPath;
        }

        var folder = Path.GetDirectoryName(lastPath);
        try
        {
            if (folder is not null && Directory.Exists(folder))
            {
                foreach (var candidate in Directory.EnumerateFiles(folder))
                {
                    if (IsIdentity(FileIdentity.OfPath(candidate, out size, out _), identity))
                    {
                        return candidate;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Its folder cannot be listed: the file cannot be found there either.
        }

        size = 0;
        return null;
    }

    /// <summary>A checkpoint's identity, written with or without the birth time, names this file.</summary>
    private static bool IsIdentity(FileIdentity? id, string identity) =>
        id is { } found && (found.ToString() == identity || found.LegacyKey == identity);

    private void ReportFolder(string folder, string reason)
    {
        if (!_reportedProblems.TryGetValue(folder, out var last) || last != reason)
        {
            _reportedProblems[folder] = reason;
            CollectionLog.FolderInaccessible(_logger, folder, _source.Label, reason);
        }
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
}
