using RlogAgent.Collection;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// One LogBatch, encoded once: <see cref="Body"/> holds its batch_id and logs fields; send_at is
/// appended at each write, so a re-send keeps the id and the lines and carries its new time.
/// </summary>
public sealed class EncodedBatch
{
    public EncodedBatch(string batchId, byte[] body, BatchReceipt receipt)
    {
        BatchId = batchId;
        Body = body;
        Receipt = receipt;
    }

    public string BatchId { get; }

    public byte[] Body { get; }

    public BatchReceipt Receipt { get; }

    /// <summary>When this write puts it on the wire; set just before each write.</summary>
    public DateTimeOffset SendAt { get; set; }

    /// <summary>Written on some call already: writing it again is a re-send.</summary>
    public bool Written { get; set; }

    /// <summary>
    /// Lines of the receipt left out of <see cref="Body"/> because a message carrying one would pass
    /// the contract's 4 MiB limit: the sender sets them aside before it writes the batch, and drops
    /// them from here once it has. Empty for nearly every batch.
    /// </summary>
    public IReadOnlyList<LogLine> Oversized { get; set; } = [];

    /// <summary>Lines of the receipt set aside instead of stored; the rest count as confirmed.</summary>
    public int RejectedLines { get; set; }
}
