namespace RlogAgent.Collection;

/// <summary>What the agent remembers of one file across restarts, keyed by its identity.</summary>
public sealed class FileCheckpoint
{
    /// <summary><see cref="FileIdentity"/> as text: device and inode.</summary>
    public string Identity { get; set; } = "";

    public string Label { get; set; } = "";

    /// <summary>Where the file was last seen; after a rotation, its new name.</summary>
    public string Path { get; set; } = "";

    /// <summary>The contract's file_id; null until the file's first line (its fingerprint) exists.</summary>
    public string? FileId { get; set; }

    /// <summary>Bytes of the file's start that <see cref="Fingerprint"/> covers.</summary>
    public int FingerprintLength { get; set; }

    /// <summary>Hash of the file's first bytes: tells a reused inode from the file it replaced.</summary>
    public string? Fingerprint { get; set; }

    /// <summary>Truncations seen with the same first bytes; part of <see cref="FileId"/> when above 0.</summary>
    public int Generation { get; set; }

    /// <summary>Every line before this offset is confirmed stored by the server.</summary>
    public long Offset { get; set; }

    public DateTime UpdatedUtc { get; set; }
}
