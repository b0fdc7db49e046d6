using BenchmarkDotNet.Attributes;
using RlogAgent.Collection;
using RlogAgent.Pipeline;

namespace RlogAgent.Benchmarks;

/// <summary>
/// Posting through <see cref="LogPipeline"/> (BufferBlock → BatchBlock → ActionBlock, the byte budget,
/// the counters) with a sender that confirms at once: 100,000 lines written in lists of 1,000, as a
/// collector hands them over. Per line; no protobuf, no network.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    public const int Lines = 100_000;
    public const int ListLines = 1000;

    private readonly List<LogLine> _list = new(ListLines);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var readAt = DateTime.UtcNow;
        long offset = 0;
        for (var i = 0; i < ListLines; i++)
        {
            var text = StandardLog.Line(i, random);
            _list.Add(new LogLine("app", text, readAt, "/var/log/app/app.log", "fe00-b1e23e-0123456789abcdef", offset, offset + text.Length + 1));
            offset += text.Length + 1;
        }
    }

    [Benchmark(OperationsPerInvoke = Lines, Description = "LogPipeline.WriteAsync → confirmed")]
    public async Task<long> PostThroughPipeline()
    {
        var delivered = 0L;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LogPipeline? pipeline = null;
        pipeline = new LogPipeline(
            batchSize: 1000,
            flushInterval: TimeSpan.FromSeconds(1),
            maxBufferBytes: 16 * 1024 * 1024,
            send: (batch, _) =>
            {
                pipeline!.OnConfirmed(new BatchReceipt(batch.Length, batch.Sum(l => LogPipeline.CostOf(l)), 0, [(batch[^1].FileId, batch[^1].NextOffset)]));
                if (Interlocked.Add(ref delivered, batch.Length) >= Lines)
                {
                    done.TrySetResult();
                }

                return Task.CompletedTask;
            },
            checkpoints: new NoCheckpoints(),
            counters: new AgentCounters(),
            time: TimeProvider.System,
            abort: CancellationToken.None);
        await using (pipeline.ConfigureAwait(false))
        {
            for (var written = 0; written < Lines; written += ListLines)
            {
                await pipeline.WriteAsync(_list, CancellationToken.None).ConfigureAwait(false);
            }

            await done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        return delivered;
    }
}
