namespace RlogAgent.Collection;

/// <summary>
/// One content a file has held since it was first truncated: its truncation generation (part of its
/// file_id) and the hash of its first bytes. Kept in <c>state/generations.json</c>, apart from the
/// checkpoints, so that a restart that lost its checkpoints still names a content it has seen by the
/// file_id it had (and a content it has not seen by a new one).
/// </summary>
public sealed class ContentGeneration
{
    /// <summary><see cref="FileIdentity"/> as text.</summary>
    public string Identity { get; set; } = "";

    /// <summary>The content's generation: 1 for the content after the first truncation, and so on.</summary>
    public int Generation { get; set; }

    /// <summary>Bytes of the content's start that <see cref="HeadHash"/> covers (up to <see cref="GenerationLedger.HeadBytes"/>).</summary>
    public int HeadLength { get; set; }

    /// <summary>Hash of the content's first <see cref="HeadLength"/> bytes.</summary>
    public string HeadHash { get; set; } = "";

    public DateTime UpdatedUtc { get; set; }
}
