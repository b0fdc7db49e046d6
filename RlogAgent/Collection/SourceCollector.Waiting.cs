namespace RlogAgent.Collection;

/// <summary>
/// When the source looks again: the file-system watcher, polling where it cannot see (links
/// outside the watched folder, files waiting for a handle), and the wait between passes.
/// </summary>
public sealed partial class SourceCollector
{
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
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // Out of inotify watches, or a file system without notifications: polling covers it.
        }
    }

    /// <summary>
    /// Under max_open_files a listing is what notices a closed file grew, and what opens a file
    /// waiting for a handle: then the files are listed every poll interval.
    /// </summary>
    private bool NeedsPolledScans => _waitingForHandle || _tailers.Values.Any(t => !t.IsOpen);

    /// <summary>
    /// How long the loop may sleep: until a change is notified, the next full pass or a detached
    /// file's rotate_wait, when notifications cover every file; <paramref name="poll"/> otherwise.
    /// </summary>
    private TimeSpan NextWait(TimeSpan poll)
    {
        var wait = _watcher is null || NeedsPolledScans || _tailers.Values.Any(t => t.ChangesUnseen) ? poll : FullScanInterval;
        foreach (var tailer in _tailers.Values)
        {
            if (tailer.EventsDueIn is { } due && due < wait)
            {
                // An open multi-line event goes out at its timeout.
                wait = due > MinWait ? due : MinWait;
            }
        }

        if (wait <= poll)
        {
            return wait;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var rotateWait = _options.RotateWait;
        foreach (var tailer in _tailers.Values)
        {
            if (tailer.Detached)
            {
                var due = tailer.LastActivityUtc + rotateWait - now;
                wait = due < poll ? poll : (due < wait ? due : wait);
            }
        }

        return wait;
    }

    /// <summary>
    /// True when writes to the file at <paramref name="path"/> are not notified through the watched
    /// folder: the path is a link to a file outside it (Kubernetes' /var/log/containers links).
    /// </summary>
    private bool IsLinkedOutsideWatch(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null)
            {
                return false;
            }

            var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            var folder = target is null ? null : Path.GetDirectoryName(target);
            return folder is null
                || (_pattern.IncludesSubdirectories
                    ? !(folder + Path.DirectorySeparatorChar).StartsWith(_pattern.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    : folder != Path.GetDirectoryName(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
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
