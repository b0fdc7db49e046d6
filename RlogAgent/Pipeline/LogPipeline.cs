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
        _buffer = new BufferBlock<LogLine>(new DataflowBlockOptions { BoundedCapacity = batchSize });
        _batcher = new BatchBlock<LogLine>(batchSize, new GroupingDataflowBlockOptions { BoundedCapacity = batchSize });
        _writer = new ActionBlock<LogLine[]>(
            batch => send(batch, abort),
            new ExecutionDataflowBlockOptions { BoundedCapacity = 2, MaxDegreeOfParallelism = 1, SingleProducerConstrained = true });
        var link = new DataflowLinkOptions { PropagateCompletion = true };
        _buffer.LinkTo(_batcher, link);
        _batcher.LinkTo(_writer, link);
        _flushTimer = time.CreateTimer(_ => _batcher.TriggerBatch(), null, flushInterval, flushInterval);
    }

    public ByteBudget Budget => _budget;

    /// <summary>Batches waiting for the writer (for metrics and idle detection).</summary>
    public int QueuedBatches => _writer.InputCount;

    /// <summary>Completes when the last batch has been written (or the writer failed).</summary>
    public Task Completion => _writer.Completion;

    public static long CostOf(in LogLine line) => ((long)line.Text.Length * sizeof(char)) + LineOverheadBytes;

    public async ValueTask WriteAsync(List<LogLine> lines, CancellationToken cancellationToken)
    {
        _counters.AddRead(lines.Count);
        long bytes = 0;
        foreach (var line in lines)
        {
            bytes += line.NextOffset - line.Offset;
            var cost = CostOf(line);
            if (!_budget.TryAcquire(cost))
            {
                // Full: send what is batched now, so confirmations can free the budget sooner.
                _batcher.TriggerBatch();
                await _budget.AcquireAsync(cost, cancellationToken).ConfigureAwait(false);
            }

            if (!_buffer.Post(line) && !await _buffer.SendAsync(line, cancellationToken).ConfigureAwait(false))
            {
                _budget.Release(cost);
                throw new OperationCanceledException("the pipeline is complete", cancellationToken);
            }
        }

        _counters.AddBytesRead(bytes);
    }

    /// <summary>Called by the sender once the server confirmed these lines: frees memory, moves checkpoints.</summary>
    public void OnConfirmed(IReadOnlyList<LogLine> lines)
    {
        long bytes = 0;
        long fileBytes = 0;
        string? file = null;
        long next = 0;
        foreach (var line in lines)
        {
            bytes += CostOf(line);
            fileBytes += line.NextOffset - line.Offset;
            if (file is not null && !ReferenceEquals(file, line.FileId) && file != line.FileId)
            {
                _checkpoints.Confirm(file, next);
            }

            file = line.FileId;
            next = line.NextOffset;
        }

        if (file is not null)
        {
            _checkpoints.Confirm(file, next);
        }

        _budget.Release(bytes);
        _counters.AddBytesConfirmed(fileBytes);
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
