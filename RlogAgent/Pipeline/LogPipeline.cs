using System.Diagnostics;
using System.Threading.Tasks.Dataflow;
using RlogAgent.Common;

namespace RlogAgent.Pipeline;

/// <summary>
/// The agent's one-way flow, as the design fixes it: readers → a bounded <see cref="BufferBlock{T}"/>
/// → a <see cref="BatchBlock{T}"/>, closed by size or by the flush timer → an <see cref="ActionBlock{T}"/>
/// that writes to the long-lived Send call. What moves is a <see cref="LineChunk"/> (hundreds of lines
/// as slices of one pooled buffer), so the blocks' per-message cost is paid per chunk, not per line.
/// The pipeline decides when the chunks read so far go to the sender (a hand-off: when
/// <see cref="ChunksPerHandOff"/> have gathered, the readers caught up, flush_interval passed, or the
/// budget is full) and tells it whether more chunks wait behind it; only the sender decides where a
/// batch ends (batch_size lines, the wire's byte limit, and the end of a hand-off with nothing behind
/// it), so a batch's size does not depend on how many lines a read brought. Memory is bounded by
/// <see cref="ByteBudget"/>: a chunk is charged when it enters and refunded when the last batch that
/// carries its lines is confirmed (the chunk settles that itself, so the sender never calls back).
/// </summary>
public sealed class LogPipeline : IChunkWriter, IAsyncDisposable
{
    /// <summary>
    /// Most chunks one hand-off carries (up to 256 KiB of text): few enough that the chunks in flight
    /// stay within what the chunk pools keep (a larger hand-off measured up to 8 MB more peak memory),
    /// many enough that the blocks' per-message cost stays small.
    /// </summary>
    public const int ChunksPerHandOff = 4;

    /// <summary>Chunks the buffer block holds before readers wait.</summary>
    public const int BufferedChunks = 16;

    /// <summary>Longest the caught-up flush waits for the buffer block to hand its chunks on.</summary>
    public static readonly TimeSpan HandOffWait = TimeSpan.FromMilliseconds(20);

    private readonly BufferBlock<LineChunk> _buffer;
    private readonly BatchBlock<LineChunk> _batcher;
    private readonly ActionBlock<LineChunk[]> _writer;
    private readonly ByteBudget _budget;
    private readonly ICheckpointSink _checkpoints;
    private readonly ITimer _flushTimer;
    private readonly TimeSpan _flushInterval;
    private readonly AgentCounters _counters;
    private readonly Action<LineChunk> _refund;
    private int _flushArmed;

    // Chunks written and not yet handed to the sender.
    private long _queued;

    public LogPipeline(TimeSpan flushInterval, long maxBufferBytes, Func<LineChunk[], bool, CancellationToken, Task> send, ICheckpointSink checkpoints, AgentCounters counters, TimeProvider time, CancellationToken abort)
    {
        _budget = new ByteBudget(maxBufferBytes);
        _checkpoints = checkpoints;
        _counters = counters;
        _flushInterval = flushInterval;
        _refund = chunk => _budget.Release(chunk.Charged);
        _buffer = new BufferBlock<LineChunk>(new DataflowBlockOptions { BoundedCapacity = BufferedChunks });
        _batcher = new BatchBlock<LineChunk>(ChunksPerHandOff, new GroupingDataflowBlockOptions { BoundedCapacity = ChunksPerHandOff });
        _writer = new ActionBlock<LineChunk[]>(
            // Chunks behind this hand-off (in any block): the sender may leave a short batch open for them.
            chunks => send(chunks, Interlocked.Add(ref _queued, -chunks.Length) > 0, abort),
            new ExecutionDataflowBlockOptions { BoundedCapacity = 2, MaxDegreeOfParallelism = 1, SingleProducerConstrained = true });
        var link = new DataflowLinkOptions { PropagateCompletion = true };
        _buffer.LinkTo(_batcher, link);
        _batcher.LinkTo(_writer, link);

        // One shot, armed by the first chunk after a flush: an idle agent has no timer firing.
        _flushTimer = time.CreateTimer(_ => OnFlushDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Completes when the last batch has been written (or the writer failed).</summary>
    public Task Completion => _writer.Completion;

    public async ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken)
    {
        var cost = chunk.Cost;
        try
        {
            if (!_budget.TryAcquire(cost))
            {
                // Full: send what is batched now, so confirmations can free the budget sooner.
                _batcher.TriggerBatch();
                await _budget.AcquireAsync(cost, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            chunk.Release();
            throw;
        }

        chunk.Charged = cost;
        chunk.OnReleased(_refund);
        var lines = chunk.Count;
        var bytes = chunk.FileBytes;
        Interlocked.Increment(ref _queued);
        try
        {
            if (!_buffer.Post(chunk) && !await _buffer.SendAsync(chunk, cancellationToken).ConfigureAwait(false))
            {
                chunk.Release();
                throw new OperationCanceledException("the pipeline is complete", cancellationToken);
            }
        }
        catch
        {
            // Not in the pipeline: nothing waits behind a hand-off on its account.
            Interlocked.Decrement(ref _queued);
            throw;
        }

        _counters.AddRead(lines);
        _counters.AddBytesRead(bytes);
        if (Interlocked.Exchange(ref _flushArmed, 1) == 0)
        {
            _flushTimer.Change(_flushInterval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The readers have nothing more for now: send the partial batch instead of waiting for flush_interval.</summary>
    public async ValueTask OnCaughtUpAsync(CancellationToken cancellationToken)
    {
        // The BufferBlock offers chunks to the BatchBlock on a task of its own: a trigger before
        // they arrive finds the batch empty and the chunks wait for the timer. Let them arrive.
        var started = Stopwatch.GetTimestamp();
        while (_buffer.Count > 0 && Stopwatch.GetElapsedTime(started) < HandOffWait)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        _batcher.TriggerBatch();
    }

    /// <summary>Called by the sender once the server confirmed a batch: moves checkpoints.</summary>
    public void OnConfirmed(BatchReceipt receipt)
    {
        foreach (var (fileId, nextOffset) in receipt.Files)
        {
            _checkpoints.Confirm(fileId, nextOffset);
        }

        _counters.AddBytesConfirmed(receipt.FileBytes);
    }

    /// <summary>Stops taking chunks, sends the partial batch, and completes once the writer has written it.</summary>
    public Task CompleteAsync()
    {
        _buffer.Complete();
        return _writer.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        await _flushTimer.DisposeAsync().ConfigureAwait(false);
        _buffer.Complete();
    }

    private void OnFlushDue()
    {
        Volatile.Write(ref _flushArmed, 0);
        _batcher.TriggerBatch();
        if (_buffer.Count > 0 && Interlocked.Exchange(ref _flushArmed, 1) == 0)
        {
            // Chunks still on their way to the batch block: they get their own turn.
            _flushTimer.Change(_flushInterval, Timeout.InfiniteTimeSpan);
        }
    }
}
