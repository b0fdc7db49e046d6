using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection;
using RlogAgent.Pipeline;

namespace RlogAgent.Benchmarks;

/// <summary>
/// Reading and splitting: <see cref="FileTailer.Read"/> over a 100,000-line file from its first byte
/// (lines as slices of pooled chunks), against the bare floor (split only) and the floor plus the
/// UTF-8 decode the agent did per line before chunks. Figures are per line.
/// </summary>
[MemoryDiagnoser]
public class FileTailerBenchmarks
{
    public const int Lines = 100_000;

    private string _folder = "";
    private string _path = "";
    private CheckpointStore _checkpoints = null!;
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("rlog-bench-").FullName;
        _path = Path.Combine(_folder, "app.log");
        StandardLog.Write(_path, Lines);
        _checkpoints = CheckpointStore.Load(Path.Combine(_folder, "state"), NullLogger.Instance, TimeProvider.System);
        _buffer = ArrayPool<byte>.Shared.Rent(LineChunk.MaxPooledBytes);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(OperationsPerInvoke = Lines, Description = "FileTailer.Read (chunks)")]
    public int TailerRead()
    {
        using var tailer = FileTailer.Open("bench", _path, _checkpoints, startAtEnd: false, maxLineBytes: 1024 * 1024, NullLogger.Instance, TimeProvider.System);
        var lines = 0;
        while (tailer.Read(out var chunk) > 0)
        {
            if (chunk is not null)
            {
                lines += chunk.Count;
                chunk.Release();
            }
        }

        return lines;
    }

    [Benchmark(OperationsPerInvoke = Lines, Baseline = true, Description = "split only (floor)")]
    public int SplitOnly() => Split(decode: false);

    [Benchmark(OperationsPerInvoke = Lines, Description = "split + UTF-8 decode")]
    public int SplitAndDecode() => Split(decode: true);

    private int Split(bool decode)
    {
        using var handle = File.OpenHandle(_path);
        var buffer = _buffer;
        long offset = 0;
        var held = 0;
        var lines = 0;
        int read;
        while ((read = RandomAccess.Read(handle, buffer.AsSpan(held, LineChunk.MaxPooledBytes - held), offset + held)) > 0)
        {
            var data = buffer.AsSpan(0, held + read);
            var position = 0;
            int newline;
            while ((newline = data[position..].IndexOf((byte)'\n')) >= 0)
            {
                if (decode)
                {
                    _ = Encoding.UTF8.GetString(data.Slice(position, newline));
                }

                lines++;
                position += newline + 1;
            }

            held = data.Length - position;
            data[position..].CopyTo(buffer);
            offset += position;
        }

        return lines;
    }
}
