using System.Buffers;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rlog.V1;

namespace RlogAgent.Benchmarks;

/// <summary>
/// Building and serialising one batch of 1,000 lines, per line. "as the agent does" repeats
/// LogStreamSender.Split/ToLog (a Log and a Timestamp per line, CalculateSize per line) and then
/// what Grpc.Net.Client does with the batch (CalculateSize, WriteTo a buffer writer). The other
/// rows each drop one cost, to show what it is worth.
/// </summary>
[MemoryDiagnoser]
public class BatchBuildingBenchmarks
{
    public const int BatchLines = 1000;

    private readonly ArrayBufferWriter<byte> _wire = new(512 * 1024);
    private BenchLine[] _lines = [];
    private RlogAgent.Pipeline.LineChunk[] _chunks = [];
    private LogBatch _built = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var readAt = DateTime.UtcNow;
        long offset = 0;
        _lines = new BenchLine[BatchLines];
        for (var i = 0; i < BatchLines; i++)
        {
            var text = StandardLog.Line(i, random);
            _lines[i] = new BenchLine("app", text, readAt, "/var/log/app/app.log", "fe00-b1e23e-0123456789abcdef", offset, offset + text.Length + 1);
            offset += text.Length + 1;
        }

        _chunks = [ToChunk(_lines)];
        _built = BuildAsAgent();
    }

    [Benchmark(OperationsPerInvoke = BatchLines, Baseline = true, Description = "generated types: build + size per line + serialise (the agent before LogBatchEncoder)")]
    public int AsAgent() => Serialise(BuildAsAgent());

    [Benchmark(OperationsPerInvoke = BatchLines, Description = "LogBatchEncoder: size lines in their chunk and write them to a buffer (the agent now)")]
    public int DirectEncoding()
    {
        var total = 0;
        foreach (var batch in RlogAgent.Transport.LogBatchEncoder.Encode(_chunks, BatchLines, RlogAgent.Transport.LogStreamSender.MaxBatchBytes))
        {
            _wire.ResetWrittenCount();
            var span = _wire.GetSpan(batch.BodyLength);
            batch.WriteBody(span);
            _wire.Advance(batch.BodyLength);
            total += batch.BodyLength;
            batch.Release();
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = BatchLines, Description = "one Timestamp per read time (shared)")]
    public int SharedTimestamp()
    {
        var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString() };
        var size = 0;
        Timestamp? stamp = null;
        var stampedAt = default(DateTime);
        foreach (ref readonly var line in _lines.AsSpan())
        {
            if (stamp is null || line.ReadAtUtc != stampedAt)
            {
                stamp = Timestamp.FromDateTime(line.ReadAtUtc);
                stampedAt = line.ReadAtUtc;
            }

            var log = ToLog(line, stamp);
            size += log.CalculateSize() + 8;
            batch.Logs.Add(log);
        }

        return Serialise(batch) + (size & 1);
    }

    [Benchmark(OperationsPerInvoke = BatchLines, Description = "shared Timestamp, size estimated from text")]
    public int SharedTimestampNoPerLineSize()
    {
        var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString() };
        var stamp = Timestamp.FromDateTime(_lines[0].ReadAtUtc);
        long estimate = 0;
        foreach (ref readonly var line in _lines.AsSpan())
        {
            // Upper bound without encoding: UTF-8 is at most 3 bytes per UTF-16 char, plus fixed fields.
            estimate += (line.Text.Length * 3L) + line.Label.Length + line.Source.Length + line.FileId.Length + 40;
            batch.Logs.Add(ToLog(line, stamp));
        }

        return Serialise(batch) + (int)(estimate & 1);
    }

    [Benchmark(OperationsPerInvoke = BatchLines, Description = "serialise a built batch only")]
    public int SerialiseOnly() => Serialise(_built);

    private LogBatch BuildAsAgent()
    {
        var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString() };
        var size = 0;
        foreach (ref readonly var line in _lines.AsSpan())
        {
            var log = ToLog(line, Timestamp.FromDateTime(line.ReadAtUtc));
            size += log.CalculateSize() + 8;
            batch.Logs.Add(log);
        }

        batch.SendAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return size > 0 ? batch : batch;
    }

    private int Serialise(LogBatch batch)
    {
        _wire.ResetWrittenCount();
        var size = batch.CalculateSize();
        batch.WriteTo(_wire);
        return size;
    }

    private static RlogAgent.Pipeline.LineChunk ToChunk(BenchLine[] lines)
    {
        var texts = lines.Select(l => System.Text.Encoding.UTF8.GetBytes(l.Text)).ToArray();
        var chunk = new RlogAgent.Pipeline.LineChunk(new RlogAgent.Pipeline.LineOrigin(lines[0].Label, lines[0].Source, lines[0].FileId), texts.Sum(t => t.Length), lines[0].ReadAtUtc, lines.Length);
        var at = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            texts[i].CopyTo(chunk.Buffer, at);
            chunk.Add(new RlogAgent.Pipeline.LineEntry { Start = at, Length = texts[i].Length, Offset = lines[i].Offset, NextOffset = lines[i].NextOffset });
            at += texts[i].Length;
        }

        chunk.ValidateUtf8(0, at);
        return chunk;
    }

    private static Log ToLog(in BenchLine line, Timestamp stamp) => new()
    {
        Label = line.Label,
        Line = line.Text,
        Timestamp = stamp,
        Source = line.Source,
        FileId = line.FileId,
        Offset = (ulong)line.Offset,
    };
}
