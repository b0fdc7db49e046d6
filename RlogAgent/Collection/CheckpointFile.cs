using System.Text.Json.Serialization;

namespace RlogAgent.Collection;

/// <summary>The on-disk shape of <c>state/checkpoints.json</c>.</summary>
public sealed class CheckpointFile
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    /// <summary>Sources (label and pattern) whose first scan is done: read_from applies only to that scan.</summary>
    public List<string> InitializedSources { get; set; } = [];

    public List<FileCheckpoint> Files { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CheckpointFile))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
