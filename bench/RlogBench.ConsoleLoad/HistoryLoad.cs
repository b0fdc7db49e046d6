using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Rlog.V1;

namespace RlogBench.ConsoleLoad;

/// <summary>
/// Stores a day of logs from many hosts: each host is an agent (registered with hostname
/// host-NN) with two sources, "app" (four lines in five) and "nginx", whose lines have the
/// standard benchmark log's shape (genlog.py: ~120 bytes, a level, a worker, a path, a status, a
/// latency, seq=N) and event times spread evenly over the 24 hours before now, oldest first. One
/// line in 50,000 has status=503: the rare substring. Levels are set as a parser would
/// (INFO 9, WARN 13, DEBUG 5, ERROR 17).
/// </summary>
internal static class HistoryLoad
{
    public const string RareToken = "status=503";

    private static readonly string[] Levels = ["INFO", "WARN", "DEBUG", "ERROR"];
    private static readonly int[] Severities = [9, 13, 5, 17];

    public static async Task<int> RunAsync(Uri server, string projectKey, int hosts, long lines, int concurrency, int batchLines)
    {
        var now = DateTimeOffset.UtcNow;
        var start = now.AddHours(-24);
        var perHost = lines / hosts;
        var stopwatch = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(concurrency);
        long stored = 0;
        long rawBytes = 0;
        var tasks = Enumerable.Range(0, hosts).Select(async host =>
        {
            using var channel = GrpcChannel.ForAddress(server);
            var auth = new AuthService.AuthServiceClient(channel);
            var registered = await auth.RegisterAsync(new RegisterRequest
            {
                ProjectKey = projectKey,
                Hostname = $"host-{host:D2}",
                Os = "linux",
                AgentVersion = "bench",
            });
            var headers = new Metadata { { "authorization", $"Bearer {registered.AccessToken}" } };
            var logs = new LogService.LogServiceClient(channel);
            var random = new Random(host);
            var offsets = new ulong[2];
            for (long first = 0; first < perHost; first += batchLines * 16L)
            {
                await gate.WaitAsync();
                try
                {
                    using var call = logs.Send(headers);
                    for (var b = 0; b < 16 && first + (b * batchLines) < perHost; b++)
                    {
                        var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString(), SendAt = Timestamp.FromDateTimeOffset(now) };
                        var from = first + (b * batchLines);
                        var to = Math.Min(perHost, from + batchLines);
                        for (var i = from; i < to; i++)
                        {
                            var seq = (host * perHost) + i;
                            var time = start + TimeSpan.FromTicks((long)(TimeSpan.FromHours(24).Ticks * ((double)i / perHost)));
                            var nginx = i % 5 == 4;
                            var level = (int)(seq % 4);
                            var status = seq % 50_000 == 17 ? 503 : 200;
                            var text = string.Create(
                                CultureInfo.InvariantCulture,
                                $"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {Levels[level]} [worker-{seq % 16}] request handled path=/api/v1/items/{random.Next(1, 100_000)} status={status} latency_ms={random.Next(1, 901)} seq={seq}");
                            var source = nginx ? 1 : 0;
                            batch.Logs.Add(new Log
                            {
                                Label = nginx ? "nginx" : "app",
                                Line = text,
                                Timestamp = Timestamp.FromDateTimeOffset(time),
                                Source = nginx ? "/var/log/nginx/access.log" : "/var/log/app/app.log",
                                FileId = $"{host}-{source}",
                                Offset = offsets[source],
                                SeverityNumber = Severities[level],
                                SeverityText = Levels[level],
                            });
                            offsets[source] += (ulong)text.Length + 1;
                            Interlocked.Add(ref rawBytes, text.Length + 1);
                        }

                        await call.RequestStream.WriteAsync(batch);
                        Interlocked.Add(ref stored, batch.Logs.Count);
                    }

                    await call.RequestStream.CompleteAsync();
                    await call.ResponseAsync;
                }
                finally
                {
                    gate.Release();
                }
            }
        }).ToList();
        var progress = Task.Run(async () =>
        {
            while (!tasks.All(t => t.IsCompleted))
            {
                await Task.Delay(10_000);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Interlocked.Read(ref stored):N0} lines sent, {stopwatch.Elapsed.TotalSeconds:F0} s"));
            }
        });
        await Task.WhenAll(tasks);
        stopwatch.Stop();
        var total = perHost * hosts;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"load hosts={hosts} lines={total} raw_bytes={rawBytes} seconds={stopwatch.Elapsed.TotalSeconds:F1} lines_per_s={total / stopwatch.Elapsed.TotalSeconds:F0} cpu_s={Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1}"));
        return 0;
    }
}
