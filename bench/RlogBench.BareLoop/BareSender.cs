using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Rlog.V1;

namespace RlogBench.BareLoop;

/// <summary>
/// Reads a file in big chunks, splits lines on LF (dropping a CR before it), builds one <see cref="Log"/>
/// per line and writes a <see cref="LogBatch"/> every <c>batch</c> lines on a single Send call. The
/// next batch is built while the previous write is in flight; that is the only overlap.
/// </summary>
public sealed class BareSender
{
    private const string Label = "bench";
    private const string FileId = "bare-loop-file";

    private readonly LogService.LogServiceClient _client;
    private readonly BareLoopOptions _options;

    public BareSender(LogService.LogServiceClient client, BareLoopOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <summary>Sends the whole file; returns the number of lines the server confirmed.</summary>
    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        var source = Path.GetFullPath(_options.File);
        using var call = _client.Send(new Metadata { { "authorization", "Bearer bench" } }, cancellationToken: cancellationToken);
        using var file = System.IO.File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[_options.ChunkBytes];
        var ready = new List<LogBatch>();
        long fileOffset = 0;
        var held = 0;
        long lines = 0;
        var batch = NewBatch();
        var inFlight = Task.CompletedTask;
        while (true)
        {
            var read = RandomAccess.Read(file, buffer.AsSpan(held), fileOffset + held);
            if (read <= 0)
            {
                break;
            }

            var consumed = Split(buffer.AsSpan(0, held + read), fileOffset, source, ref batch, ready);
            held = held + read - consumed;
            if (held == buffer.Length)
            {
                throw new InvalidDataException($"a line longer than {buffer.Length} bytes at offset {fileOffset}");
            }

            // Keep the unfinished tail at the front of the buffer for the next read.
            buffer.AsSpan(consumed, held).CopyTo(buffer);
            fileOffset += consumed;
            foreach (var full in ready)
            {
                lines += full.Logs.Count;
                await inFlight.ConfigureAwait(false);
                inFlight = Write(call, full, cancellationToken);
            }

            ready.Clear();
        }

        await inFlight.ConfigureAwait(false);
        if (batch.Logs.Count > 0)
        {
            lines += batch.Logs.Count;
            await Write(call, batch, cancellationToken).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await call.ResponseAsync.ConfigureAwait(false);
        return lines;
    }

    /// <summary>Turns the complete lines of <paramref name="data"/> into Logs; returns the bytes consumed.</summary>
    private int Split(ReadOnlySpan<byte> data, long fileOffset, string source, ref LogBatch batch, List<LogBatch> ready)
    {
        // One read time per chunk: lines read together share their Timestamp message.
        var readAt = Timestamp.FromDateTime(DateTime.UtcNow);
        var position = 0;
        int newline;
        while ((newline = data[position..].IndexOf((byte)'\n')) >= 0)
        {
            var end = position + newline;
            var textEnd = end > position && data[end - 1] == (byte)'\r' ? end - 1 : end;
            batch.Logs.Add(new Log
            {
                Label = Label,
                Line = Encoding.UTF8.GetString(data[position..textEnd]),
                Timestamp = readAt,
                Source = source,
                FileId = FileId,
                Offset = (ulong)(fileOffset + position),
            });
            position = end + 1;
            if (batch.Logs.Count == _options.BatchLines)
            {
                ready.Add(batch);
                batch = NewBatch();
            }
        }

        return position;
    }

    private static LogBatch NewBatch() => new() { BatchId = Guid.CreateVersion7().ToString() };

    private static Task Write(AsyncClientStreamingCall<LogBatch, Empty> call, LogBatch batch, CancellationToken cancellationToken)
    {
        batch.SendAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return call.RequestStream.WriteAsync(batch, cancellationToken);
    }
}
