using System.Text.Json;
using Microsoft.Extensions.Logging;
using RlogAgent.Pipeline;
using RlogAgent.Storage;

namespace RlogAgent.Collection;

/// <summary>
/// Per-file read positions that only ever move over lines the server has confirmed, persisted
/// atomically in <c>checkpoints.json</c>. A corrupt file is set aside, reported, and the agent starts
/// over from the files' beginnings: the server drops what it already has, so that costs bandwidth, not lines.
/// A file's checkpoint is dropped once the file is released and all of it is confirmed, and old ones
/// whose file is gone are pruned, so the file stays small under pod churn. The file is private (0600).
/// </summary>
public sealed class CheckpointStore : ICheckpointSink
{
    public const string FileName = "checkpoints.json";

    /// <summary>Checkpoints of files not seen for this long, whose path is gone, are dropped (at load and by <see cref="Prune"/>).</summary>
    public static readonly TimeSpan PruneAfter = TimeSpan.FromDays(7);

    private readonly Lock _lock = new();
    private readonly Lock _writeLock = new();
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, FileCheckpoint> _byIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileCheckpoint> _byFileId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializedSources = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, 1);
    private bool _dirty;

    private CheckpointStore(string path, GenerationLedger generations, ILogger logger, TimeProvider time)
    {
        _path = path;
        _logger = logger;
        _time = time;
        Generations = generations;
    }

    /// <summary>The truncation generations of files, kept apart so that losing the checkpoints does not lose them.</summary>
    public GenerationLedger Generations { get; }

    /// <summary>True when the stored checkpoints were unreadable and set aside at load.</summary>
    public bool Recovered { get; private set; }

    public static CheckpointStore Load(string stateDir, ILogger logger, TimeProvider time)
    {
        var store = new CheckpointStore(Path.Combine(stateDir, FileName), GenerationLedger.Load(stateDir, logger, time), logger, time);
        store.LoadFromDisk();
        return store;
    }

    /// <summary>Checkpoints held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byIdentity.Count;
            }
        }
    }

    public FileCheckpoint? Find(FileIdentity identity)
    {
        lock (_lock)
        {
            var key = identity.ToString();
            if (_byIdentity.TryGetValue(key, out var cp))
            {
                return Clone(cp);
            }

            // Written by an agent that did not know birth times yet: take it over under the full key.
            if (key != identity.LegacyKey && _byIdentity.Remove(identity.LegacyKey, out cp))
            {
                cp.Identity = key;
                _byIdentity[key] = cp;
                MarkDirty();
                return Clone(cp);
            }

            return null;
        }
    }

    /// <summary>Checkpoints whose file the current scan did not find by pattern (rotated away, maybe unfinished).</summary>
    public IReadOnlyList<FileCheckpoint> All()
    {
        lock (_lock)
        {
            return _byIdentity.Values.Select(Clone).ToList();
        }
    }

    /// <summary>Records a file's identity, fingerprint and start; the offset only moves forward afterwards through <see cref="Confirm"/>, unless the file was truncated.</summary>
    public void Set(FileCheckpoint checkpoint)
    {
        lock (_lock)
        {
            if (_byIdentity.Remove(checkpoint.Identity, out var old) && old.FileId is not null)
            {
                _byFileId.Remove(old.FileId);
            }

            var copy = Clone(checkpoint);
            copy.UpdatedUtc = _time.GetUtcNow().UtcDateTime;
            _byIdentity[copy.Identity] = copy;
            if (copy.FileId is not null)
            {
                _byFileId[copy.FileId] = copy;
            }

            MarkDirty();
        }
    }

    public void UpdatePath(FileIdentity identity, string path)
    {
        lock (_lock)
        {
            if (_byIdentity.TryGetValue(identity.ToString(), out var cp) && cp.Path != path)
            {
                cp.Path = path;
                MarkDirty();
            }
        }
    }

    /// <summary>Where the tailer has read to, and the hash of the bytes before it; see <see cref="FileCheckpoint.AnchorOffset"/>.</summary>
    public void SetAnchor(FileIdentity identity, long offset, string anchor)
    {
        lock (_lock)
        {
            if (_byIdentity.TryGetValue(identity.ToString(), out var cp) && (cp.AnchorOffset != offset || cp.Anchor != anchor))
            {
                cp.AnchorOffset = offset;
                cp.Anchor = anchor;
                MarkDirty();
            }
        }
    }

    /// <summary>
    /// The file was read to <paramref name="end"/> and released: its checkpoint goes once the
    /// server has confirmed every line before that (now, when it already has).
    /// </summary>
    public void MarkReleased(FileIdentity identity, long end)
    {
        lock (_lock)
        {
            if (_byIdentity.TryGetValue(identity.ToString(), out var cp))
            {
                cp.ReleasedAt = end;
                MarkDirty();
                DropIfDone(cp);
            }
        }
    }

    public void Remove(FileIdentity identity)
    {
        lock (_lock)
        {
            if (_byIdentity.Remove(identity.ToString(), out var old))
            {
                if (old.FileId is not null)
                {
                    _byFileId.Remove(old.FileId);
                }

                MarkDirty();
            }
        }
    }

    public void Confirm(string fileId, long nextOffset)
    {
        lock (_lock)
        {
            // A file_id that is no longer current (the file was truncated since) moves nothing.
            if (_byFileId.TryGetValue(fileId, out var cp) && nextOffset > cp.Offset)
            {
                cp.Offset = nextOffset;
                cp.UpdatedUtc = _time.GetUtcNow().UtcDateTime;
                MarkDirty();
                DropIfDone(cp);
            }
        }
    }

    /// <summary>Records the head of a truncated file's content (see <see cref="GenerationLedger"/>); written with the checkpoints.</summary>
    public void RecordGeneration(FileIdentity identity, int generation, int headLength, string headHash)
    {
        Generations.Record(identity.ToString(), generation, headLength, headHash);
        lock (_lock)
        {
            MarkDirty();
        }
    }

    /// <summary>Drops checkpoints not updated for <see cref="PruneAfter"/> whose file is gone; returns how many.</summary>
    public int Prune()
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - PruneAfter;
        List<FileCheckpoint> stale;
        lock (_lock)
        {
            stale = _byIdentity.Values.Where(c => c.UpdatedUtc < cutoff).Select(Clone).ToList();
        }

        // File checks outside the lock: confirmations must not wait on the file system.
        var gone = stale.Where(c => !File.Exists(c.Path)).ToList();
        lock (_lock)
        {
            foreach (var cp in gone)
            {
                if (_byIdentity.TryGetValue(cp.Identity, out var current) && current.UpdatedUtc < cutoff)
                {
                    RemoveEntry(current);
                }
            }
        }

        lock (_lock)
        {
            Generations.Prune(PruneAfter, identity => _byIdentity.ContainsKey(identity));
        }

        return gone.Count;
    }

    public bool IsSourceInitialized(string sourceKey)
    {
        lock (_lock)
        {
            return _initializedSources.Contains(sourceKey);
        }
    }

    public void MarkSourceInitialized(string sourceKey)
    {
        lock (_lock)
        {
            if (_initializedSources.Add(sourceKey))
            {
                MarkDirty();
            }
        }
    }

    /// <summary>
    /// Writes the checkpoints if anything changed since the last write. Writes are serialized (the
    /// timer, the first scan of a source and the shutdown may flush at once), so an older snapshot
    /// can never land after a newer one.
    /// </summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            byte[] bytes;
            lock (_lock)
            {
                if (!_dirty)
                {
                    return;
                }

                var file = new CheckpointFile
                {
                    InitializedSources = _initializedSources.Order(StringComparer.Ordinal).ToList(),
                    Files = _byIdentity.Values.OrderBy(c => c.Path, StringComparer.Ordinal).ToList(),
                };
                bytes = JsonSerializer.SerializeToUtf8Bytes(file, CheckpointJsonContext.Default.CheckpointFile);
                _dirty = false;
            }

            try
            {
                AtomicFile.WriteAllBytes(_path, bytes, isPrivate: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lock (_lock)
                {
                    MarkDirty();
                }

                CollectionLog.CheckpointWriteFailed(_logger, _path, e.Message);
            }

            Generations.Flush();
        }
    }

    /// <summary>
    /// Completes once something changed since the last write: the flush loop sleeps on this rather
    /// than on a timer, so an idle agent does not wake to find nothing to write.
    /// </summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken) => _changed.WaitAsync(cancellationToken);

    /// <summary>Called under the lock: marks the file for writing and wakes the flush loop.</summary>
    private void MarkDirty()
    {
        _dirty = true;
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private void DropIfDone(FileCheckpoint cp)
    {
        if (cp.ReleasedAt is { } end && cp.Offset >= end)
        {
            RemoveEntry(cp);
        }
    }

    private void RemoveEntry(FileCheckpoint cp)
    {
        _byIdentity.Remove(cp.Identity);
        if (cp.FileId is not null && _byFileId.TryGetValue(cp.FileId, out var byId) && ReferenceEquals(byId, cp))
        {
            _byFileId.Remove(cp.FileId);
        }

        MarkDirty();
    }

    private void LoadFromDisk()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        CheckpointFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(_path), CheckpointJsonContext.Default.CheckpointFile);
            if (file is null || file.Version != CheckpointFile.CurrentVersion)
            {
                throw new JsonException($"unsupported version {file?.Version}");
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            var aside = $"{_path}.corrupt-{_time.GetUtcNow():yyyyMMddTHHmmss}";
            try
            {
                File.Move(_path, aside, overwrite: true);
            }
            catch (IOException)
            {
                aside = "(could not be moved)";
            }

            CollectionLog.CheckpointsCorrupt(_logger, _path, e.Message, aside);
            Recovered = true;
            return;
        }

        var cutoff = _time.GetUtcNow().UtcDateTime - PruneAfter;
        foreach (var cp in file.Files)
        {
            if (cp.UpdatedUtc < cutoff && !File.Exists(cp.Path))
            {
                _dirty = true;
                continue;
            }

            _byIdentity[cp.Identity] = cp;
            if (cp.FileId is not null)
            {
                _byFileId[cp.FileId] = cp;
            }
        }

        _initializedSources.UnionWith(file.InitializedSources);
    }

    private static FileCheckpoint Clone(FileCheckpoint c) => new()
    {
        Identity = c.Identity,
        Label = c.Label,
        Source = c.Source,
        Path = c.Path,
        FileId = c.FileId,
        FingerprintLength = c.FingerprintLength,
        Fingerprint = c.Fingerprint,
        Generation = c.Generation,
        Offset = c.Offset,
        AnchorOffset = c.AnchorOffset,
        Anchor = c.Anchor,
        ReleasedAt = c.ReleasedAt,
        UpdatedUtc = c.UpdatedUtc,
    };
}
