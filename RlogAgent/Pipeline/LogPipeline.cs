using System.Diagnostics;
using System.Threading.Tasks.Dataflow;
using RlogAgent.Collection;

namespace RlogAgent.Pipeline;

/// <summary>
/// The agent's one-way flow, as the design fixes it: collectors → a bounded <see cref="BufferBlock{T}"/>
/// → a <see cref="BatchBlock{T}"/> of batch_size, triggered every flush_interval → an
/// <see cref="ActionBlock{T}"/> that writes each batch to the long-lived Send call. Memory is bounded
/// by <see cref="ByteBudget"/> from read until the server confirms.
/// </summary>
public sealed class LogPipeline : ILineWriter, IAsyncDisposable
{
    /// <summary>Bytes a line is charged beyond its text: the LogLine, its strings' headers, its protobuf copy.</summary>
    public const int LineOverheadBytes = 160;

    /// <summary>Least capacity of the buffer block, in lines.</summary>
    public const int MinBufferedLines = 4096;

    private readonly BufferBlock<LogLine> _buffer;
    private readonly BatchBlock<LogLine> _batcher;
    private readonly ActionBlock<LogLine[]> _writer;
    private readonly ByteBudget _budget;
    private readonly ICheckpointSink _checkpoints;
    private readonly ITimer _flushTimer;
    private readonly AgentCounters _counters;

    public LogPipeline(int batchSize, TimeSpan flushInterval, long maxBufferBytes, Func<LogLine[], CancellationToken, Task> send, ICheckpointSink checkpoints, AgentCounters counters, TimeProvider time, CancellationToken abort)
    {
        _budget = new ByteBudget(maxBufferBytes);
        _checkpoints = checkpoints;
        _counters = counters;
        // Bytes are bounded by the budget; the count bound is only a backstop, sized so a reader's
        // chunk of lines posts without waiting (a waiting SendAsync costs a task per line).
        _buffer = new BufferBlock<LogLine>(new DataflowBlockOptions { BoundedCapacity = Math.Max(batchSize * 4, MinBufferedLines) });
        _batcher = new BatchBlock<LogLine>(batchSize, new GroupingDataflowBlockOptions { BoundedCapacity = batchSize });
        _writer = new ActionBlock<LogLine[]>(
            batch => send(batch, abort),
            new ExecutionDataflowBlockOptions { BoundedCapacity = 2, MaxDegreeOfParallelism = 1, SingleProducerConstrained = true });
        var link = new DataflowLinkOptions { PropagateCompletion = true };
        _buffer.LinkTo(_batcher, link);
        _batcher.LinkTo(_writer, link);
        _flushTimer = time.CreateTimer(_ => _batcher.TriggerBatch(), null, flushInterval, flushInterval);
    }

    /// <summary>Completes when the last batch has been written (or the writer failed).</summary>
    public Task Completion => _writer.Completion;

    public static long CostOf(in LogLine line) => ((long)line.Text.Length * sizeof(char)) + LineOverheadBytes;

    public async ValueTask WriteAsync(List<LogLine> lines, CancellationToken cancellationToken)
    {
        long cost = 0;
        long bytes = 0;
        foreach (var line in lines)
        {
            cost += CostOf(line);
            bytes += line.NextOffset - line.Offset;
        }

        // One charge for the reader's whole chunk: a lock per line showed in the profile.
        if (!_budget.TryAcquire(cost))
        {
            // Full: send what is batched now, so confirmations can free the budget sooner.
            _batcher.TriggerBatch();
            await _budget.AcquireAsync(cost, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (!_buffer.Post(line) && !await _buffer.SendAsync(line, cancellationToken).ConfigureAwait(false))
            {
                for (var j = i; j < lines.Count; j++)
                {
                    _budget.Release(CostOf(lines[j]));
                }

                throw new OperationCanceledException("the pipeline is complete", cancellationToken);
            }
        }

        _counters.AddRead(lines.Count);
        _counters.AddBytesRead(bytes);
    }

    /// <summary>Longest the caught-up flush waits for the buffer block to hand its lines on.</summary>
    public static readonly TimeSpan HandOffWait = TimeSpan.FromMilliseconds(20);

    /// <summary>The readers have nothing more for now: send the partial batch instead of waiting for flush_interval.</summary>
    public async ValueTask OnCaughtUpAsync(CancellationToken cancellationToken)
    {
        // The BufferBlock offers lines to the BatchBlock on a task of its own: a trigger before
        // they arrive finds the batch empty and the lines wait for the timer. Let them arrive.
        var started = Stopwatch.GetTimestamp();
        while (_buffer.Count > 0 && Stopwatch.GetElapsedTime(started) < HandOffWait)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        _batcher.TriggerBatch();
    }

    /// <summary>Called by the sender once the server confirmed a batch: frees memory, moves checkpoints.</summary>
    public void OnConfirmed(BatchReceipt receipt)
    {
        foreach (var (fileId, nextOffset) in receipt.Files)
        {
            _checkpoints.Confirm(fileId, nextOffset);
        }

        _budget.Release(receipt.BudgetBytes);
        _counters.AddBytesConfirmed(receipt.FileBytes);
    }

    /// <summary>Stops taking lines, sends the partial batch, and completes once the writer has written it.</summary>
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
}
