namespace RlogAgent.Pipeline;

/// <summary>
/// What a batch's confirmation must settle once the server stored it: per file, the offset the
/// checkpoint may move to, and the memory and counts to release. Kept instead of the lines
/// themselves, so a batch waiting for confirmation holds only its encoded bytes.
/// </summary>
public sealed record BatchReceipt(int Lines, long BudgetBytes, long FileBytes, IReadOnlyList<(string FileId, long NextOffset)> Files);
