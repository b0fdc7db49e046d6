using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection.Parsing;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection.Parsing;

/// <summary>Events processed off the reader's thread: handed on in read order, and nothing after a failed hand-on.</summary>
[TestFixture]
public sealed class EventProcessingStageTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly DateTime ReadAt = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly SourceOptions JsonSource = new() { Label = "api", Parse = new ParseOptions { Format = ParseFormat.Json } };

    private int _released;

    [SetUp]
    public void SetUp() => _released = 0;

    [Test]
    public async Task RunAsync_TwoWorkersChunksOfUnevenCost_HandedOnProcessedInReadOrderWithCaughtUpInLine()
    {
        var inner = new RecordingWriter();
        var stage = Stage(inner, workers: 2);
        const int chunks = 300;

        await stage.RunAsync(
            async ct =>
            {
                for (var i = 0; i < chunks; i++)
                {
                    // A big chunk then a one-line one: with two workers the small one is done first.
                    await stage.WriteAsync(Chunk(i, i % 2 == 0 ? 400 : 1), ct);
                    if (i % 25 == 24)
                    {
                        await stage.OnCaughtUpAsync(ct);
                    }
                }
            },
            CancellationToken.None).WaitAsync(Deadline);

        Assert.Multiple(() =>
        {
            Assert.That(inner.Chunks, Is.EqualTo(Enumerable.Range(0, chunks)), "chunks in the order they were read");
            Assert.That(inner.CaughtUpAfter, Is.EqualTo(Enumerable.Range(1, chunks / 25).Select(n => n * 25)), "each caught-up after the chunks written before it");
            Assert.That(inner.Unprocessed, Is.Zero, "every event parsed before it was handed on");
            Assert.That(_released, Is.EqualTo(chunks));
        });
    }

    [Test]
    public async Task RunAsync_HandOnFails_LaterChunksReleasedUnsentAndTheRunFails()
    {
        var inner = new RecordingWriter { FailAt = 2 };
        var stage = Stage(inner, workers: 2);
        var written = 0;

        var run = stage.RunAsync(
            async ct =>
            {
                try
                {
                    for (var i = 0; i < 50; i++)
                    {
                        written++;
                        await stage.WriteAsync(Chunk(i, 20), ct);
                    }
                }
                catch (InvalidOperationException)
                {
                    // The reader stops at the failure, as a collector does.
                }
            },
            CancellationToken.None);

        var failed = Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Deadline));
        Assert.Multiple(() =>
        {
            Assert.That(failed!.Message, Does.Contain("pipeline closed"));
            Assert.That(inner.Chunks, Is.EqualTo(new[] { 0, 1 }), "nothing after the chunk that failed: its lines are read again at the next start");
            Assert.That(_released, Is.EqualTo(written), "every chunk written is released once");
        });
    }

    [Test]
    public async Task RunAsync_StopWhileThePipelineIsFull_ChunksReleasedUnsentAndTheRunEndsQuietly()
    {
        var inner = new RecordingWriter { BlockAt = 1 };
        var stage = Stage(inner, workers: 2);
        using var stop = new CancellationTokenSource();
        var written = 0;

        var run = stage.RunAsync(
            async ct =>
            {
                try
                {
                    while (true)
                    {
                        written++;
                        await stage.WriteAsync(Chunk(written - 1, 20), ct);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Stopping.
                }
            },
            stop.Token);

        await inner.Blocked.Task.WaitAsync(Deadline);
        await Eventually.WaitAsync(() => written > 5, "the reader waiting on a full stage", Deadline);
        await stop.CancelAsync();
        await run.WaitAsync(Deadline);

        Assert.Multiple(() =>
        {
            Assert.That(inner.Chunks, Is.EqualTo(new[] { 0 }));
            Assert.That(_released, Is.EqualTo(written));
        });
    }

    [Test]
    public void RunAsync_ProcessingThrows_NothingHandedOnAndTheRunFails()
    {
        var inner = new RecordingWriter();
        var stage = new EventProcessingStage(inner, () => throw new InvalidOperationException("no processor"), workers: 2);
        var written = 0;

        var failed = Assert.ThrowsAsync<InvalidOperationException>(() => stage.RunAsync(
            async ct =>
            {
                try
                {
                    for (var i = 0; i < 20; i++)
                    {
                        written++;
                        await stage.WriteAsync(Chunk(i, 5), ct);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Stops at the failure.
                }
            },
            CancellationToken.None).WaitAsync(Deadline));

        Assert.Multiple(() =>
        {
            Assert.That(failed!.Message, Does.Contain("no processor"));
            Assert.That(inner.Chunks, Is.Empty);
            Assert.That(_released, Is.EqualTo(written));
        });
    }

    [Test]
    public void TryEnter_SharedGate_OneReportPerInterval()
    {
        var time = new FakeTimeProvider();
        var gate = new FailureReportGate(time, TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(gate.TryEnter(), Is.True, "the first failure is reported");
            Assert.That(gate.TryEnter(), Is.False);
            time.Advance(TimeSpan.FromSeconds(59));
            Assert.That(gate.TryEnter(), Is.False, "within the minute");
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.That(gate.TryEnter(), Is.True, "a minute on");
        });
    }

    private EventProcessingStage Stage(IChunkWriter inner, int workers) =>
        new(inner, () => new EventProcessor(JsonSource, new AgentCounters(), NullLogger.Instance, TimeProvider.System), workers);

    /// <summary>Chunk number <paramref name="index"/>: its first offset says which, its events are JSON at level error.</summary>
    private LineChunk Chunk(int index, int lines)
    {
        var chunk = TestLines.Chunks(Enumerable.Range(0, lines).Select(i => new LogLine(
            "api",
            $$"""{"ts":"2026-11-28T07:00:{{i % 60:00}}Z","level":"error","msg":"event {{i}} of chunk {{index}}"}""",
            ReadAt,
            "/var/log/api.log",
            "f-1",
            (index * 1_000_000L) + (i * 100L),
            (index * 1_000_000L) + ((i + 1) * 100L)))).Single();
        chunk.OnReleased(_ => Interlocked.Increment(ref _released));
        return chunk;
    }

    private sealed class RecordingWriter : IChunkWriter
    {
        private readonly ConcurrentQueue<int> _chunks = new();
        private readonly ConcurrentQueue<int> _caughtUp = new();
        private int _unprocessed;

        /// <summary>The write of this chunk (by position) fails as a closed pipeline's does.</summary>
        public int FailAt { get; init; } = -1;

        /// <summary>The write of this chunk (by position) waits until cancelled, as a full pipeline's does.</summary>
        public int BlockAt { get; init; } = -1;

        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<int> Chunks => [.. _chunks];

        public IReadOnlyList<int> CaughtUpAfter => [.. _caughtUp];

        public int Unprocessed => _unprocessed;

        public async ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken)
        {
            try
            {
                var position = _chunks.Count;
                if (position == FailAt)
                {
                    throw new InvalidOperationException("the pipeline closed");
                }

                if (position == BlockAt)
                {
                    Blocked.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                for (var i = 0; i < chunk.Count; i++)
                {
                    if (chunk[i].Severity == 0 || chunk[i].TimeTicks == 0)
                    {
                        Interlocked.Increment(ref _unprocessed);
                    }
                }

                _chunks.Enqueue((int)(chunk[0].Offset / 1_000_000));
            }
            finally
            {
                chunk.Release();
            }
        }

        public ValueTask OnCaughtUpAsync(CancellationToken cancellationToken)
        {
            _caughtUp.Enqueue(_chunks.Count);
            return ValueTask.CompletedTask;
        }
    }
}
