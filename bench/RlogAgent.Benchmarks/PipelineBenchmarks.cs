using BenchmarkDotNet.Attributes;
using RlogAgent.Common;
using RlogAgent.Pipeline;

namespace RlogAgent.Benchmarks;

/// <summary>
/// Posting through <see cref="LogPipeline"/> (BufferBlock → BatchBlock → ActionBlock, the byte budget,
/// the counters) with a sender that confirms at once: 100,000 lines written in chunks of 500, as a
/// reader hands them over (each chunk filled from one pooled buffer). Per line; no protobuf, no network.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    public const int Lines = 100_000;
    public const int ChunkLines = 500;

    private readonly LineOrigin _origin = new("app", "/var/log/app/app.log", "fe00-b1e23e-0123456789abcdef");
    private byte[] _text = [];
    private LineEntry[] _entries = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var text = new List<byte>();
        _entries = new LineEntry[ChunkLines];
        for (var i = 0; i < ChunkLines; i++)
        {
            var line = System.Text.Encoding.UTF8.GetBytes(StandardLog.Line(i, random));
            _entries[i] = new LineEntry { Start = text.Count, Length = line.Length, Offset = text.Count, NextOffset = text.Count + line.Length + 1 };
            text.AddRange(line);
            text.Add((byte)'\n');
        }

        _text = text.ToArray();
    }

    [Benchmark(OperationsPerInvoke = Lines, Description = "LogPipeline.WriteAsync → confirmed")]
    public async Task<long> PostThroughPipeline()
    {
        var delivered = 0L;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LogPipeline? pipeline = null;
        pipeline = new LogPipeline(
            flushInterval: TimeSpan.FromSeconds(1),
            maxBufferBytes: 16 * 1024 * 1024,
            send: (chunks, _, _) =>
            {
                var lines = 0;
                foreach (var chunk in chunks)
                {
                    pipeline!.OnConfirmed(new BatchReceipt(chunk.Count, chunk.FileBytes, [(chunk.Origin.FileId, chunk.Count == 0 ? 0 : chunk[chunk.Count - 1].NextOffset)]));
                    lines += chunk.Count;
                    chunk.Release();
                }

                if (Interlocked.Add(ref delivered, lines) >= Lines)
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
            for (var written = 0; written < Lines; written += ChunkLines)
            {
                await pipeline.WriteAsync(NewChunk(), CancellationToken.None).ConfigureAwait(false);
            }

            await done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        return delivered;
    }

    private LineChunk NewChunk()
    {
        var chunk = new LineChunk(_origin, _text.Length, DateTime.UtcNow, ChunkLines);
        _text.CopyTo(chunk.Buffer, 0);
        foreach (var entry in _entries)
        {
            chunk.Add(entry);
        }

        return chunk;
    }
}
