using System.Collections.Concurrent;
using System.Text.Json;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Rlog.V1;
using RlogAgent.Auth;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

/// <summary>The sender on its own against the reference server on loopback, with faults injected.</summary>
[TestFixture]
public sealed class LogStreamSenderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Short, so a stalled server costs the test a second rather than the default 30 s.</summary>
    private static readonly TimeSpan ShortWriteTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Lines (of 1000 bytes) written behind the batch a stalled server reads.</summary>
    private const int LinesBehind = 15_000;

    private TempFolder _temp = null!;
    private FaultPlan _faults = null!;
    private TestServer _server = null!;
    private GrpcChannel _channel = null!;
    private TokenKeeper _tokens = null!;
    private AgentCounters _counters = null!;
    private ConcurrentQueue<BatchReceipt> _confirmed = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempFolder();
        _faults = new FaultPlan();
        _server = await TestServer.StartAsync(grpc: g => g.Interceptors.Add<FaultInjector>(_faults)).WaitAsync(Timeout);
        _channel = GrpcChannelFactory.Create(new AgentOptions { ServerAddr = _server.Address.ToString(), ProjectKey = TestServer.ProjectKey });
        _tokens = new TokenKeeper(new AuthService.AuthServiceClient(_channel), new AgentStateStore(_temp.Combine("state")), TestServer.ProjectKey, _temp.Combine("agent.yaml"), "test", NullLogger.Instance, TimeProvider.System);
        await _tokens.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        _counters = new AgentCounters();
        _confirmed = new ConcurrentQueue<BatchReceipt>();
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        _faults.ResumeReads();
        _channel.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task SendAsync_ServerStopsReading_WriteTimesOutAndAllIsStoredOnceWhenItReadsAgain()
    {
        await using var sender = CreateSender(maxUnconfirmedBatches: 1000);
        await sender.SendAsync(TestLines.Chunks(Lines("f-1", 0, 10, 100)), CancellationToken.None).WaitAsync(Timeout);
        await sender.FlushAsync(CancellationToken.None).WaitAsync(Timeout);

        // 15 MB make five batches. The server takes the first batch of each call, then nothing: once
        // HTTP/2 flow control and the socket buffers are full (a few MB on loopback) a write waits,
        // while the connection still answers pings.
        _faults.StallReads(afterBatches: 1);
        var sending = sender.SendAsync(TestLines.Chunks(Lines("f-1", 10, LinesBehind, 1000)), CancellationToken.None);
        await Eventually.WaitAsync(() => _counters.SendRetries >= 2, "writes timed out and new calls were made");
        Assert.That(sending.IsCompleted, Is.False, "still waiting for a server that reads");

        _faults.ResumeReads();
        await sending.WaitAsync(Timeout);
        await sender.FlushAsync(CancellationToken.None).WaitAsync(Timeout);

        var stored = _server.Store.ReadLines();
        Assert.Multiple(() =>
        {
            Assert.That(_faults.StalledCalls, Is.GreaterThanOrEqualTo(2));
            Assert.That(stored, Has.Count.EqualTo(10 + LinesBehind), "each line once");
            Assert.That(stored.Select(l => l.Offset).Distinct().Count(), Is.EqualTo(10 + LinesBehind), "no line lost");
            Assert.That(_confirmed.Sum(r => r.Lines), Is.EqualTo(10 + LinesBehind));
            Assert.That(sender.Unconfirmed, Is.Zero);
        });
    }

    [Test]
    public async Task SendAsync_LineEncodingPastTheMessageLimit_IsSetAsideAndTheRestIsStored()
    {
        await using var sender = CreateSender(maxUnconfirmedBatches: 16);
        // A line of invalid UTF-8 read as U+FFFD: 1.5 million characters, 4.5 MB encoded.
        var lines = Lines("f-1", 0, 3, 10);
        var huge = new string('\uFFFD', 1_500_000);
        lines[1] = lines[1] with { Text = huge, NextOffset = lines[1].Offset + 1_500_001 };
        lines[2] = lines[2] with { Offset = lines[1].NextOffset, NextOffset = lines[1].NextOffset + 10 };

        await sender.SendAsync(TestLines.Chunks(lines), CancellationToken.None).WaitAsync(Timeout);
        await sender.FlushAsync(CancellationToken.None).WaitAsync(Timeout);

        var stored = _server.Store.ReadLines();
        var record = JsonDocument.Parse(File.ReadAllLines(_temp.Combine("state", RejectedLineFile.FileName)).Single()).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(l => l.Offset), Is.EquivalentTo(new[] { (ulong)lines[0].Offset, (ulong)lines[2].Offset }));
            Assert.That(record.GetProperty("line").GetString(), Is.EqualTo(huge));
            Assert.That(record.GetProperty("offset").GetInt64(), Is.EqualTo(lines[1].Offset));
            Assert.That(record.GetProperty("status").GetString(), Is.EqualTo("RESOURCE_EXHAUSTED"));
            Assert.That(record.GetProperty("message").GetString(), Does.Contain("exceed the 4 MiB message limit"));
            Assert.That(_counters.LinesRejected, Is.EqualTo(1));
            Assert.That(_counters.LinesConfirmed, Is.EqualTo(2));
            Assert.That(_confirmed.Single().Files.Single(), Is.EqualTo(("f-1", lines[2].NextOffset)), "the checkpoint moves past the line set aside");
            Assert.That(_faults.LargestBatchBytes, Is.LessThan(GrpcChannelFactory.MaxMessageBytes));
        });
    }

    [Test]
    public async Task SendAsync_ConnectionGoesSilentWithoutClosing_NextAttemptConnectsAnewAndAllIsStored()
    {
        await using var relay = new RlogAgent.Tests.Server.Support.TcpForwarder(_server.Port);
        var connections = new ServerConnections();
        using var channel = GrpcChannelFactory.Create(new AgentOptions { ServerAddr = relay.Address.ToString(), ProjectKey = TestServer.ProjectKey }, connections);
        await using var sender = new LogStreamSender(
            channel.Intercept(new BearerTokenInterceptor(() => _tokens.AccessToken)),
            _tokens,
            new SenderSettings(BatchSize: 100, MaxUnconfirmedBatches: 16, TimeSpan.FromSeconds(1), Gzip: false, ShortWriteTimeout),
            new RejectedLineFile(_temp.Combine("state")),
            _counters,
            NullLogger.Instance,
            TimeProvider.System)
        {
            Connections = connections,
            AnswerTimeout = ShortWriteTimeout,
            Confirmed = _confirmed.Enqueue,
        };
        sender.Start();
        await sender.SendAsync(TestLines.Chunks(Lines("f-1", 0, 10, 100)), CancellationToken.None).WaitAsync(Timeout);
        await sender.FlushAsync(CancellationToken.None).WaitAsync(Timeout);

        // The relay forgets the connection: it stays open and moves no byte, as behind a NAT that
        // dropped its state. Keepalive (60 + 20 s by default) is what noticed it before.
        relay.FreezeOpenConnections();
        await sender.SendAsync(TestLines.Chunks(Lines("f-1", 10, 20, 100)), CancellationToken.None).WaitAsync(Timeout);
        await sender.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Multiple(() =>
        {
            Assert.That(_server.Store.ReadLines(), Has.Count.EqualTo(30));
            Assert.That(connections.Drops, Is.GreaterThanOrEqualTo(1));
            Assert.That(connections.Opened, Is.GreaterThanOrEqualTo(2), "a new connection for the retry");
        });
    }

    private LogStreamSender CreateSender(int maxUnconfirmedBatches)
    {
        var sender = new LogStreamSender(
            _channel.Intercept(new BearerTokenInterceptor(() => _tokens.AccessToken)),
            _tokens,
            new SenderSettings(BatchSize: 100_000, maxUnconfirmedBatches, TimeSpan.FromSeconds(1), Gzip: false, ShortWriteTimeout),
            new RejectedLineFile(_temp.Combine("state")),
            _counters,
            NullLogger.Instance,
            TimeProvider.System)
        {
            Confirmed = _confirmed.Enqueue,
        };
        sender.Start();
        return sender;
    }

    /// <summary><paramref name="count"/> lines of one file, numbered from <paramref name="first"/>, each <paramref name="bytes"/> long.</summary>
    private static LogLine[] Lines(string fileId, int first, int count, int bytes)
    {
        var now = DateTime.UtcNow;
        return Enumerable.Range(first, count)
            .Select(i => new LogLine("app", i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture).PadRight(bytes - 1, 'x'), now, "/var/log/app.log", fileId, (long)i * bytes, (long)(i + 1) * bytes))
            .ToArray();
    }
}
