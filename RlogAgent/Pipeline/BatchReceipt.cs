namespace RlogAgent.Pipeline;

/// <summary>
/// What a batch's confirmation must settle once the server stored it: per file, the offset the
/// checkpoint may move to, and the counts. The memory is settled by the chunks the batch holds.
/// <see cref="Dropped"/> events (a <c>drop</c> rule matched) were never put on the wire, but their
/// offsets move the checkpoint with the batch, so they are never read again.
/// </summary>
public sealed record BatchReceipt(int Lines, long FileBytes, IReadOnlyList<(string FileId, long NextOffset)> Files, int Dropped = 0);
