using Google.Protobuf;
using Rlog.V1;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// Takes a refused batch apart to find the lines the server refuses. Refusals are rare, so the lines
/// come back by parsing the batch's encoded body with the generated parser rather than being kept
/// beside every batch; halves are encoded by the generated serializer, which keeps every field the
/// parent carried. A half's id is its parent's id and its place (<c>.1</c> first half, <c>.2</c>
/// second), so the agent's log and the server's connect every part to the batch it came from, and a
/// re-sent half keeps its id.
/// </summary>
public static class BatchSplitter
{
    /// <summary>The batch's id and lines, as the server receives them.</summary>
    public static LogBatch Parse(EncodedBatch batch) => LogBatch.Parser.ParseFrom(LogBatchEncoder.ToMessageBytes(batch));

    /// <summary>The two halves of <paramref name="batch"/> (which has at least two lines); the first gets the odd line when there is one.</summary>
    public static (LogBatch First, LogBatch Second) Halve(LogBatch batch)
    {
        if (batch.Logs.Count < 2)
        {
            throw new ArgumentException("a batch of fewer than two lines has no halves", nameof(batch));
        }

        var middle = (batch.Logs.Count + 1) / 2;
        var first = new LogBatch { BatchId = batch.BatchId + ".1" };
        first.Logs.AddRange(batch.Logs.Take(middle));
        var second = new LogBatch { BatchId = batch.BatchId + ".2" };
        second.Logs.AddRange(batch.Logs.Skip(middle));
        return (first, second);
    }

    /// <summary>
    /// <paramref name="part"/> ready to write on its own call. Its receipt only counts lines: the
    /// parent's receipt moves the checkpoints once every part is settled.
    /// </summary>
    public static EncodedBatch Encode(LogBatch part) =>
        new(part.BatchId, part.ToByteArray(), new BatchReceipt(part.Logs.Count, 0, []));
}
