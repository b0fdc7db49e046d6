using System.Buffers;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// One LogBatch, sized once and written straight from the chunks its lines live in: the batch holds
/// a reference on each of those chunks until it is confirmed (<see cref="Release"/>), so a re-send
/// writes the same bytes again and nothing is copied while the batch waits. send_at is appended at
/// each write, so a re-send keeps the id and the lines and carries its new time. A batch made from
/// already encoded <c>Log</c> messages (the pieces of a refused batch) holds those bytes instead.
/// </summary>
public sealed class EncodedBatch
{
    private readonly IReadOnlyList<LineSegment>? _segments;
    private readonly IReadOnlyList<LineChunk> _chunks = [];
    private readonly byte[]? _body;
    private int _released;

    /// <summary>
    /// A batch of lines still in their chunks: <paramref name="segments"/> are written, and the batch
    /// holds one reference on each of <paramref name="chunks"/> (taken by the caller) until released.
    /// </summary>
    public EncodedBatch(string batchId, IReadOnlyList<LineSegment> segments, IReadOnlyList<LineChunk> chunks, int logsLength, BatchReceipt receipt)
    {
        BatchId = batchId;
        _segments = segments;
        _chunks = chunks;
        LogsLength = logsLength;
        Receipt = receipt;
    }

    /// <summary>A batch already in wire form: <paramref name="body"/> is a LogBatch with this id and its logs, without send_at.</summary>
    public EncodedBatch(string batchId, byte[] body, BatchReceipt receipt)
    {
        BatchId = batchId;
        _body = body;
        LogsLength = body.Length - LogBatchEncoder.BatchIdFieldLength(batchId);
        Receipt = receipt;
    }

    public string BatchId { get; }

    public BatchReceipt Receipt { get; }

    /// <summary>Bytes of the repeated <c>logs</c> field, tags and lengths included.</summary>
    public int LogsLength { get; }

    /// <summary>Bytes of batch_id and logs: the message without send_at.</summary>
    public int BodyLength => LogBatchEncoder.BatchIdFieldLength(BatchId) + LogsLength;

    /// <summary>When this write puts it on the wire; set just before each write.</summary>
    public DateTimeOffset SendAt { get; set; }

    /// <summary>Written on some call already: writing it again is a re-send.</summary>
    public bool Written { get; set; }

    /// <summary>
    /// Lines of the receipt left out of the batch because a message carrying one would pass the
    /// contract's 4 MiB limit: the sender sets them aside before it writes the batch, and drops them
    /// from here once it has. Empty for nearly every batch.
    /// </summary>
    public IReadOnlyList<(LineChunk Chunk, int Index)> Oversized { get; set; } = [];

    /// <summary>Lines of the receipt set aside instead of stored; the rest count as confirmed.</summary>
    public int RejectedLines { get; set; }

    /// <summary>Writes batch_id and logs (<see cref="BodyLength"/> bytes) into <paramref name="span"/>.</summary>
    public void WriteBody(Span<byte> span)
    {
        if (_body is not null)
        {
            _body.CopyTo(span);
            return;
        }

        var at = LogBatchEncoder.WriteBatchId(span, BatchId);

        foreach (var segment in _segments!)
        {
            at += LogBatchEncoder.WriteLogs(span[at..], segment);
        }
    }

    /// <summary>The server confirmed the batch (or it was set aside): its chunks may go back to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        foreach (var chunk in _chunks)
        {
            chunk.Release();
        }
    }

    internal static void WriteTo(EncodedBatch batch, IBufferWriter<byte> writer, ReadOnlySpan<byte> tail)
    {
        var length = batch.BodyLength + tail.Length;
        var span = writer.GetSpan(length);
        batch.WriteBody(span);
        tail.CopyTo(span[batch.BodyLength..]);
        writer.Advance(length);
    }
}
