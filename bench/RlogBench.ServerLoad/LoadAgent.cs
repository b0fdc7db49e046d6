using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Rlog.V1;

namespace RlogBench.ServerLoad;

/// <summary>
/// One simulated agent: its own channel (one HTTP/2 connection, as a real agent has), a
/// registration, then Send calls of <see cref="LoadOptions.BatchesPerCall"/> batches each,
/// completed and awaited, so every line it counts as confirmed is one the server said is stored.
/// </summary>
internal sealed class LoadAgent : IDisposable
{
    private readonly LoadOptions _options;
    private readonly int _index;
    private readonly GrpcChannel _channel;
    private readonly string[] _texts;
    private Metadata _headers = [];
    private ulong _nextOffset;

    public LoadAgent(LoadOptions options, int index)
    {
        _options = options;
        _index = index;
        _channel = GrpcChannel.ForAddress(options.Server, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false } });
        // A small set of realistic line texts, reused: the load tool should cost little CPU.
        _texts = Enumerable.Range(0, 64)
            .Select(i => $"2026-11-28T07:00:00.000Z INFO [worker-{i % 16}] request handled path=/api/v1/items/{i * 7919 % 99991} status=200 agent={index} ".PadRight(options.LineLength, 'x'))
            .ToArray();
    }

    public string AgentUuid { get; private set; } = string.Empty;

    public long Confirmed { get; private set; }

    public long Calls { get; private set; }

    /// <summary>The last call's batches, kept to re-send once at the end (every line of them must be a duplicate).</summary>
    public List<LogBatch> LastCall { get; private set; } = [];

    public async Task RegisterAsync()
    {
        var auth = new AuthService.AuthServiceClient(_channel);
        var response = await auth.RegisterAsync(new RegisterRequest
        {
            ProjectKey = _options.ProjectKey,
            Hostname = $"bench-{_index}",
            Os = "linux",
            AgentVersion = "bench",
        });
        AgentUuid = response.AgentUuid;
        _headers = new Metadata { { "authorization", $"Bearer {response.AccessToken}" } };
    }

    public async Task RunAsync(DateTime until)
    {
        var logs = new LogService.LogServiceClient(_channel);
        while (DateTime.UtcNow < until)
        {
            var batches = new List<LogBatch>(_options.BatchesPerCall);
            for (var i = 0; i < _options.BatchesPerCall; i++)
            {
                batches.Add(NextBatch());
            }

            await SendAsync(logs, batches);
            Confirmed += batches.Sum(b => b.Logs.Count);
            Calls++;
            LastCall = batches;
        }
    }

    /// <summary>Sends the last call's batches again on a new call, as an agent does after a lost answer.</summary>
    public Task ResendLastCallAsync() => SendAsync(new LogService.LogServiceClient(_channel), LastCall);

    public void Dispose() => _channel.Dispose();

    private async Task SendAsync(LogService.LogServiceClient logs, List<LogBatch> batches)
    {
        using var call = logs.Send(_headers);
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch);
        }

        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }

    private LogBatch NextBatch()
    {
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        var batch = new LogBatch { BatchId = Guid.CreateVersion7().ToString(), SendAt = now };
        for (var i = 0; i < _options.BatchLines; i++)
        {
            var text = _texts[(int)(_nextOffset / 7 % (ulong)_texts.Length)];
            batch.Logs.Add(new Log
            {
                Label = "bench",
                Line = text,
                Timestamp = now,
                Source = "/var/log/bench/app.log",
                FileId = $"bench-file-{_index}",
                Offset = _nextOffset,
            });
            _nextOffset += (ulong)text.Length + 1;
        }

        return batch;
    }
}
