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
        var states = await Task.WhenAll(Enumerable.Range(0, hosts).Select(host => HostState.RegisterAsync(server, projectKey, host)));
        long stored = 0;
        long rawBytes = 0;

        // As agents ship live: every host sends its next slice of the day, round after round, so
        // lines are stored roughly in event-time order across hosts (which a BRIN index on the
        // event time relies on), each host's slice in one Send call of BatchesPerCall batches.
        var perRound = (long)batchLines * BatchesPerCall;
        var lastReport = stopwatch.Elapsed;
        for (long first = 0; first < perHost; first += perRound)
        {
            await Parallel.ForEachAsync(states, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (state, _) =>
            {
                using var call = state.Logs.Send(state.Headers);
                for (var b = 0; b < BatchesPerCall && first + (b * batchLines) < perHost; b++)
                {
                    var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString(), SendAt = Timestamp.FromDateTimeOffset(now) };
                    var from = first + (b * batchLines);
                    var to = Math.Min(perHost, from + batchLines);
                    for (var i = from; i < to; i++)
                    {
                        var log = state.Line(i, perHost, start);
                        batch.Logs.Add(log);
                        Interlocked.Add(ref rawBytes, log.Line.Length + 1);
                    }

                    await call.RequestStream.WriteAsync(batch);
                    Interlocked.Add(ref stored, batch.Logs.Count);
                }

                await call.RequestStream.CompleteAsync();
                await call.ResponseAsync;
            });
            if (stopwatch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = stopwatch.Elapsed;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Interlocked.Read(ref stored):N0} lines stored, {stopwatch.Elapsed.TotalSeconds:F0} s"));
            }
        }

        stopwatch.Stop();
        foreach (var state in states)
        {
            state.Dispose();
        }

        var total = perHost * hosts;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"load hosts={hosts} lines={total} raw_bytes={rawBytes} seconds={stopwatch.Elapsed.TotalSeconds:F1} lines_per_s={total / stopwatch.Elapsed.TotalSeconds:F0} cpu_s={Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1}"));
        return 0;
    }

    // Batches per Send call and host, per round.
    private const int BatchesPerCall = 2;

    /// <summary>One simulated host: its agent's channel and token, and where its two files are.</summary>
    private sealed class HostState : IDisposable
    {
        private readonly GrpcChannel _channel;
        private readonly int _host;
        private readonly Random _random;
        private readonly ulong[] _offsets = new ulong[2];

        private HostState(GrpcChannel channel, int host, Metadata headers)
        {
            _channel = channel;
            _host = host;
            _random = new Random(host);
            Headers = headers;
            Logs = new LogService.LogServiceClient(channel);
        }

        public Metadata Headers { get; }

        public LogService.LogServiceClient Logs { get; }

        public static async Task<HostState> RegisterAsync(Uri server, string projectKey, int host)
        {
            var channel = GrpcChannel.ForAddress(server);
            var registered = await new AuthService.AuthServiceClient(channel).RegisterAsync(new RegisterRequest
            {
                ProjectKey = projectKey,
                Hostname = $"host-{host:D2}",
                Os = "linux",
                AgentVersion = "bench",
            });
            return new HostState(channel, host, new Metadata { { "authorization", $"Bearer {registered.AccessToken}" } });
        }

        // Line i of perHost, its event time i/perHost of the way through the day.
        public Log Line(long i, long perHost, DateTimeOffset start)
        {
            var seq = (_host * perHost) + i;
            var time = start + TimeSpan.FromTicks((long)(TimeSpan.FromHours(24).Ticks * ((double)i / perHost)));
            var nginx = i % 5 == 4;
            var level = (int)(seq % 4);
            var status = seq % 50_000 == 17 ? 503 : 200;
            var text = string.Create(
                CultureInfo.InvariantCulture,
                $"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {Levels[level]} [worker-{seq % 16}] request handled path=/api/v1/items/{_random.Next(1, 100_000)} status={status} latency_ms={_random.Next(1, 901)} seq={seq}");
            var source = nginx ? 1 : 0;
            var log = new Log
            {
                Label = nginx ? "nginx" : "app",
                Line = text,
                Timestamp = Timestamp.FromDateTimeOffset(time),
                Source = nginx ? "/var/log/nginx/access.log" : "/var/log/app/app.log",
                FileId = $"{_host}-{source}",
                Offset = _offsets[source],
                SeverityNumber = Severities[level],
                SeverityText = Levels[level],
            };
            _offsets[source] += (ulong)text.Length + 1;
            return log;
        }

        public void Dispose() => _channel.Dispose();
    }
}
