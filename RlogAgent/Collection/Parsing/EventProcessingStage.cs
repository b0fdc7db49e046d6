using System.Collections.Concurrent;
using System.Threading.Tasks.Dataflow;
using RlogAgent.Common;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// The chunk writer of a source with <c>parse</c>, <c>detect_level</c>, <c>drop</c> or <c>redact</c>.
/// Processing an event costs more than reading it (a regex match several times more), so it runs
/// off the reader's thread, on up to <c>workers</c> chunks at once, while the reader goes on
/// reading. Chunks are handed on in the order they were read, so a file's offsets still reach the
/// pipeline in order and its checkpoint only ever moves over lines sent before.
/// Once a hand-on fails (the stop cancelled a write into a full pipeline, or the pipeline closed),
/// every later chunk is released unsent: what is not confirmed is read again at the next start, and
/// nothing after a gap is ever confirmed.
/// </summary>
public sealed class EventProcessingStage : IChunkWriter
{
    private readonly IChunkWriter _inner;
    private readonly Func<EventProcessor> _createProcessor;
    private readonly ConcurrentBag<EventProcessor> _idleProcessors = [];
    private readonly TransformBlock<Item, Item> _processing;
    private Task? _forwarding;
    private volatile Exception? _failure;

    /// <param name="inner">Where processed chunks go (the pipeline).</param>
    /// <param name="createProcessor">Makes an <see cref="EventProcessor"/>; one per chunk processed at a time, as a processor is not thread-safe.</param>
    /// <param name="workers">How many chunks may be processed at once; 1 still moves the work off the reader's thread.</param>
    public EventProcessingStage(IChunkWriter inner, Func<EventProcessor> createProcessor, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _inner = inner;
        _createProcessor = createProcessor;
        _processing = new TransformBlock<Item, Item>(
            Process,
            new ExecutionDataflowBlockOptions
            {
                MaxDegreeOfParallelism = workers,
                EnsureOrdered = true,
                SingleProducerConstrained = true,

                // Bounded: a chunk is up to 64 KiB not yet charged to the pipeline's byte budget.
                BoundedCapacity = workers + 2,
            });
    }

    /// <summary>How many chunks are processed at once: two on a machine with two cores or more.</summary>
    public static int DefaultWorkers => Environment.ProcessorCount >= 2 ? 2 : 1;

    /// <summary>
    /// Runs <paramref name="read"/> (the source's reader, writing into this stage) and hands what it
    /// wrote on; returns once every chunk written is handed on or released. Throws what
    /// <paramref name="read"/> threw, or else a hand-on failure that is not the stop's cancellation.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> read, CancellationToken cancellationToken)
    {
        if (_forwarding is not null)
        {
            throw new InvalidOperationException("an event processing stage runs once");
        }

        _forwarding = ForwardAsync(cancellationToken);
        try
        {
            await read(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _processing.Complete();
            await _forwarding.ConfigureAwait(false);
        }

        if (_failure is { } failure && !failure.IsCancellationOf(cancellationToken))
        {
            throw HandOnFailed(failure);
        }
    }

    public async ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken)
    {
        bool taken;
        try
        {
            ThrowIfFailed();
            taken = await _processing.SendAsync(new Item(chunk), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            chunk.Release();
            throw;
        }

        if (!taken)
        {
            chunk.Release();
            ThrowIfFailed();
            throw new InvalidOperationException("the event processing stage is closed");
        }
    }

    public async ValueTask OnCaughtUpAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();

        // In line with the chunks, so the pipeline hears it only once they are all handed on.
        await _processing.SendAsync(new Item(null), cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure is OperationCanceledException cancelled
                ? new OperationCanceledException(cancelled.Message, cancelled, cancelled.CancellationToken)
                : HandOnFailed(failure);
        }
    }

    private static InvalidOperationException HandOnFailed(Exception failure) =>
        new($"processed events could not be handed on: {failure.Message}", failure);

    private Item Process(Item item)
    {
        if (item.Chunk is not { } chunk)
        {
            return item;
        }

        EventProcessor? processor = null;
        try
        {
            processor = _idleProcessors.TryTake(out var idle) ? idle : _createProcessor();
            processor.Process(chunk);
            return item;
        }
        catch (Exception e)
        {
            // Never fault the block: the failure travels in order, so chunks before it still go on.
            return new Item(chunk, e);
        }
        finally
        {
            if (processor is not null)
            {
                _idleProcessors.Add(processor);
            }
        }
    }

    private async Task ForwardAsync(CancellationToken cancellationToken)
    {
        while (await _processing.OutputAvailableAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (_processing.TryReceive(out var item))
            {
                if (_failure is not null)
                {
                    item.Chunk?.Release();
                    continue;
                }

                try
                {
                    if (item.Failure is { } failure)
                    {
                        item.Chunk?.Release();
                        _failure = failure;
                    }
                    else if (item.Chunk is { } chunk)
                    {
                        await _inner.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await _inner.OnCaughtUpAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e)
                {
                    // The writer released the chunk; the ones after it are released above.
                    _failure = e;
                }
            }
        }
    }

    /// <summary>A chunk to process and hand on, or (no chunk) the reader's "caught up".</summary>
    private readonly record struct Item(LineChunk? Chunk, Exception? Failure = null);
}
