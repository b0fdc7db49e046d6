namespace RlogAgent.Collection;

/// <summary>What the agent remembers of one file across restarts, keyed by its identity.</summary>
public sealed class FileCheckpoint
{
    /// <summary><see cref="FileIdentity"/> as text: device, inode and (where known) birth time.</summary>
    public string Identity { get; set; } = "";

    public string Label { get; set; } = "";

    /// <summary>
    /// The source that reads the file: its label and path pattern (<c>label|pattern</c>). A restart
    /// resumes a rotated file only in the source that wrote its checkpoint, even when two sources
    /// share a label. Empty in checkpoints written before it existed: those match by label.
    /// </summary>
    public string Source { get; set; } = "";

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

    /// <summary>
    /// End of the last bytes read (can be past <see cref="Offset"/>): the file is at least this long
    /// unless it was truncated, and the bytes before it hash to <see cref="Anchor"/> unless it was
    /// rewritten. Tells a truncated file from its old content even when its first line is unchanged.
    /// </summary>
    public long AnchorOffset { get; set; }

    /// <summary>Hash of up to <c>FileTailer.AnchorBytes</c> bytes before <see cref="AnchorOffset"/>.</summary>
    public string? Anchor { get; set; }

    /// <summary>
    /// Set when the file was read out and released (rotated away or deleted): its end. Once every
    /// line before it is confirmed, nothing more can come of the file and the checkpoint is dropped.
    /// </summary>
    public long? ReleasedAt { get; set; }

    public DateTime UpdatedUtc { get; set; }
}
