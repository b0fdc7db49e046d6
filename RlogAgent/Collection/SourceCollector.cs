using Microsoft.Extensions.Logging;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection;

/// <summary>
/// Reads every file one source names, in one loop (no thread per file): finds files by pattern,
/// follows them through rotation, truncation and deletion, and hands complete lines to the pipeline.
/// Event-driven at rest: while change notifications cover its files, a source reads when one changes
/// and lists its files when a name changes, with a full pass every <see cref="FullScanInterval"/> as a
/// safety net; it polls every <c>poll_interval</c> only where notifications fail (no watcher, or files
/// that are links into folders the watcher does not see, as Kubernetes lays them out). A failure
/// on one file (vanished, closed, unreadable, an I/O error) costs that file only: it is logged once
/// and the file is taken up again from its checkpoint at the next scan; a folder that cannot be
/// listed is skipped with one warning. What escapes the loop ends it, and the supervisor restarts it.
/// </summary>
public sealed partial class SourceCollector : ISourceReader
{
    /// <summary>Shortest sleep of the loop when it has something due.</summary>
    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest time between listings (and reads) of a source's files while change notifications cover them.</summary>
    public static readonly TimeSpan FullScanInterval = TimeSpan.FromSeconds(30);

    private readonly SourceOptions _source;
    private readonly AgentOptions _options;
    private readonly CheckpointStore _checkpoints;
    private readonly IChunkWriter _writer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SourcePattern _pattern;
    private readonly OpenFileLimit _openFiles;
    private readonly FileClaims _claims;
    private readonly AgentCounters _counters;
    private readonly Dictionary<FileIdentity, FileTailer> _tailers = [];
    private readonly Dictionary<string, string> _reportedProblems = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private FileSystemWatcher? _watcher;
    private bool _wroteSinceCaughtUp;
    private int _namesChanged;
    private bool _waitingForHandle;
    private bool _matchesNothing;

    public SourceCollector(SourceOptions source, AgentOptions options, CheckpointStore checkpoints, IChunkWriter writer, OpenFileLimit openFiles, FileClaims claims, AgentCounters counters, ILogger logger, TimeProvider time)
    {
        _claims = claims;
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

    /// <summary>How the source's lines become events (format, multi-line rule, attributes). Default: plain lines.</summary>
    public EventReading Reading { get; init; } = EventReading.Plain;

    /// <summary>Key under which the first scan of this source is remembered.</summary>
    public string SourceKey => _source.Label + "|" + _source.Path;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Watch first, then list: a file written between the two is still noticed.
            EnsureWatcher();
            var firstScan = !_checkpoints.IsSourceInitialized(SourceKey);
            Scan(startAtEnd: firstScan && _options.ReadFrom == ReadFrom.End && !_checkpoints.Recovered);
            if (firstScan)
            {
                _checkpoints.MarkSourceInitialized(SourceKey);
                _checkpoints.Flush();
            }

            ResumeRotatedFiles();
            var poll = _options.PollInterval;
            var lastScan = _time.GetTimestamp();
            while (!cancellationToken.IsCancellationRequested)
            {
                var progress = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
                await EmitExpiredEventsAsync(cancellationToken).ConfigureAwait(false);
                await ReleaseIdleAsync(cancellationToken).ConfigureAwait(false);
                if (!progress)
                {
                    if (_wroteSinceCaughtUp)
                    {
                        // Caught up: a low-rate line goes now, not at the next flush_interval.
                        await _writer.OnCaughtUpAsync(cancellationToken).ConfigureAwait(false);
                        _wroteSinceCaughtUp = false;
                    }

                    EnsureWatcher();
                    await WaitForChangeAsync(NextWait(poll), cancellationToken).ConfigureAwait(false);
                }

                // Names are listed again when the watcher saw one change, and otherwise every poll
                // interval; with a live watcher, at least every FullScanInterval, in case its
                // notifications do not cover everything (NFS, overlay file systems).
                var scanEvery = _watcher is null || NeedsPolledScans ? poll : (poll > FullScanInterval ? poll : FullScanInterval);
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
            // Not a file's fault (those are handled per file): the supervisor restarts the source.
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
            _claims.Release(tailer.Identity, SourceKey);
        }

        _tailers.Clear();
        _wake.Dispose();
    }

    private async Task<bool> ReadAllAsync(CancellationToken cancellationToken)
    {
        var progress = false;
        List<(FileTailer, Exception)>? failed = null;
        foreach (var tailer in _tailers.Values)
        {
            int consumed;
            LineChunk? chunk;
            try
            {
                consumed = tailer.Read(out chunk);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // It is read again from its checkpoint.
                (failed ??= []).Add((tailer, e));
                continue;
            }

            _counters.FileLag[tailer.Path] = tailer.Lag;
            if (chunk is not null)
            {
                await _writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                _wroteSinceCaughtUp = true;
            }

            progress |= consumed > 0;
        }

        foreach (var (tailer, e) in failed ?? [])
        {
            Drop(tailer, e);
        }

        return progress;
    }

    /// <summary>Multi-line events with no next line for their timeout go out now.</summary>
    private async Task EmitExpiredEventsAsync(CancellationToken cancellationToken)
    {
        if (!Reading.NeedsAssembly)
        {
            return;
        }

        List<(FileTailer, Exception)>? failed = null;
        foreach (var tailer in _tailers.Values)
        {
            LineChunk? chunk;
            try
            {
                chunk = tailer.EmitExpiredEvents();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (failed ??= []).Add((tailer, e));
                continue;
            }

            if (chunk is not null)
            {
                await _writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                _wroteSinceCaughtUp = true;
            }
        }

        foreach (var (tailer, e) in failed ?? [])
        {
            Drop(tailer, e);
        }
    }

}
