namespace RlogAgent.Pipeline;

/// <summary>
/// What a batch's confirmation must settle once the server stored it: per file, the offset the
/// checkpoint may move to, and the counts. The memory is settled by the chunks the batch holds.
/// </summary>
public sealed record BatchReceipt(int Lines, long FileBytes, IReadOnlyList<(string FileId, long NextOffset)> Files);
