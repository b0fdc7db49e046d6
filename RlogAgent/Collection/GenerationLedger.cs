using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using RlogAgent.Storage;

namespace RlogAgent.Collection;

/// <summary>
/// The truncation generations of every file that was ever truncated, in <c>state/generations.json</c>
/// (0600, written atomically beside the checkpoints). A file's generation is part of its file_id, so
/// it must never be forgotten: a content after a truncation must not take the file_id an earlier
/// content had (its lines would be dropped as duplicates), and the same content must not get a second
/// one (its lines would be stored twice). The checkpoint of a file says its generation while the
/// checkpoint lives; this ledger says it when the checkpoint was lost or no longer matches the file.
/// A file never truncated has no entry: its content is generation 0.
/// </summary>
public sealed class GenerationLedger
{
    public const string FileName = "generations.json";

    /// <summary>Most bytes of a content's start that tell it from another content of the same file.</summary>
    public const int HeadBytes = 4096;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, List<ContentGeneration>> _byIdentity = new(StringComparer.Ordinal);
    private bool _dirty;

    private GenerationLedger(string path, ILogger logger, TimeProvider time)
    {
        _path = path;
        _logger = logger;
        _time = time;
    }

    public static GenerationLedger Load(string stateDir, ILogger logger, TimeProvider time)
    {
        var ledger = new GenerationLedger(Path.Combine(stateDir, FileName), logger, time);
        ledger.LoadFromDisk();
        return ledger;
    }

    /// <summary>The highest generation recorded for the file, or 0.</summary>
    public int MaxGeneration(string identity)
    {
        lock (_lock)
        {
            return _byIdentity.TryGetValue(identity, out var list) ? list.Max(g => g.Generation) : 0;
        }
    }

    /// <summary>The file's recorded contents, newest generation first.</summary>
    public IReadOnlyList<ContentGeneration> Of(string identity)
    {
        lock (_lock)
        {
            return _byIdentity.TryGetValue(identity, out var list)
                ? list.OrderByDescending(g => g.Generation).Select(Clone).ToList()
                : [];
        }
    }

    /// <summary>Records (or extends) the head of a content of the file.</summary>
    public void Record(string identity, int generation, int headLength, string headHash)
    {
        lock (_lock)
        {
            if (!_byIdentity.TryGetValue(identity, out var list))
            {
                _byIdentity[identity] = list = [];
            }

            var entry = list.Find(g => g.Generation == generation);
            if (entry is null)
            {
                list.Add(entry = new ContentGeneration { Identity = identity, Generation = generation });
            }
            else if (entry.HeadLength == headLength && entry.HeadHash == headHash)
            {
                return;
            }

            entry.HeadLength = headLength;
            entry.HeadHash = headHash;
            entry.UpdatedUtc = _time.GetUtcNow().UtcDateTime;
            _dirty = true;
        }
    }

    /// <summary>Forgets files whose entries were not updated for <paramref name="age"/> and that <paramref name="stillKnown"/> does not name.</summary>
    public int Prune(TimeSpan age, Func<string, bool> stillKnown)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - age;
        lock (_lock)
        {
            var gone = _byIdentity.Where(e => e.Value.All(g => g.UpdatedUtc < cutoff) && !stillKnown(e.Key)).Select(e => e.Key).ToList();
            foreach (var identity in gone)
            {
                _byIdentity.Remove(identity);
                _dirty = true;
            }

            return gone.Count;
        }
    }

    /// <summary>Writes the ledger if it changed. Called by <see cref="CheckpointStore.Flush"/>, under its write lock.</summary>
    public void Flush()
    {
        byte[] bytes;
        lock (_lock)
        {
            if (!_dirty)
            {
                return;
            }

            var all = _byIdentity.Values.SelectMany(l => l).OrderBy(g => g.Identity, StringComparer.Ordinal).ThenBy(g => g.Generation).ToList();
            bytes = JsonSerializer.SerializeToUtf8Bytes(new GenerationFile { Contents = all }, GenerationJsonContext.Default.GenerationFile);
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
                _dirty = true;
            }

            CollectionLog.CheckpointWriteFailed(_logger, _path, e.Message);
        }
    }

    private void LoadFromDisk()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(_path), GenerationJsonContext.Default.GenerationFile);
            foreach (var entry in file?.Contents ?? [])
            {
                if (!_byIdentity.TryGetValue(entry.Identity, out var list))
                {
                    _byIdentity[entry.Identity] = list = [];
                }

                list.Add(entry);
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Written atomically, so this is damage from outside: generations restart from the
            // checkpoints, which hold each live file's own.
            CollectionLog.CheckpointsCorrupt(_logger, _path, e.Message, "(left in place)");
        }
    }

    private static ContentGeneration Clone(ContentGeneration g) => new()
    {
        Identity = g.Identity,
        Generation = g.Generation,
        HeadLength = g.HeadLength,
        HeadHash = g.HeadHash,
        UpdatedUtc = g.UpdatedUtc,
    };
}

/// <summary>The on-disk shape of <c>state/generations.json</c>.</summary>
public sealed class GenerationFile
{
    public int Version { get; set; } = 1;

    public List<ContentGeneration> Contents { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GenerationFile))]
internal sealed partial class GenerationJsonContext : JsonSerializerContext;
