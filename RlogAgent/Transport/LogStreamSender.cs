using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RlogAgent.Common;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// Writes batches to one long-lived <c>LogService.Send</c> call and completes it regularly so the
/// server confirms: when <c>max_unconfirmed_batches</c> are written, when the call is
/// <c>commit_interval</c> old, and as soon as nothing more is coming. Batches stay in memory until
/// confirmed; after any failure they are written again, in order and with their ids, on a new call
/// after a backoff. Every write has a deadline, so a server that stops reading (and still answers
/// pings) costs a retry, not the agent. When the server refuses content (INVALID_ARGUMENT, or
/// RESOURCE_EXHAUSTED for a message too big; at the call's end or mid-stream) the sender finds the
/// refused batch by sending the unconfirmed ones one per call, halves it down to the lines refused,
/// ships the rest and sets those lines aside in <c>rejected.jsonl</c> before their checkpoint moves;
/// many refusals in a row mean a broken server instead, and it backs off without setting anything
/// aside. All call state is guarded by one gate: the Dataflow writer and the commit loop take turns.
/// </summary>
public sealed partial class LogStreamSender : IAsyncDisposable
{
    /// <summary>A batch is closed early at this many encoded bytes, under the contract's 4 MiB.</summary>
    public const int MaxBatchBytes = 3 * 1024 * 1024 + 512 * 1024;

    /// <summary>How long the server may take to answer a completed call before it counts as failed.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Quiet time after the last write before the call is completed.</summary>
    public static readonly TimeSpan IdleCommitDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Longest one write (or the completion of the request stream) may wait for the server to take
    /// it. A write waits only on HTTP/2 flow control, which a server that reads frees within
    /// milliseconds; one that stopped reading still answers keepalive pings, so only this deadline
    /// notices it. As long as <see cref="CommitTimeout"/>: a slow server gets the same patience either way.
    /// </summary>
    public static readonly TimeSpan WriteTimeout = CommitTimeout;

    private readonly CallInvoker _invoker;
    private readonly ITokenSource _tokens;
    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _maxUnconfirmed;
    private readonly LogBatchEncoder.Cutter _cutter;
    private readonly TimeSpan _commitInterval;
    private readonly bool _gzip;
    private readonly RejectedLineFile _rejected;
    private readonly TimeSpan _writeTimeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _written = new(0, 1);
    private readonly List<EncodedBatch> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private AsyncClientStreamingCall<EncodedBatch, Empty>? _call;
    private long _callOpenedAt;
    private long _lastWriteAt;
    private bool _failing;
    private Task? _commitLoop;
    private Rlog.V1.Log? _canary;
    private long _canaryTakenAt;

    /// <summary>How often a line of a confirmed batch is kept as the canary (see <see cref="ServerTakesCanaryAsync"/>).</summary>
    private static readonly TimeSpan CanaryRefresh = TimeSpan.FromMinutes(1);

    public LogStreamSender(
        CallInvoker invoker,
        ITokenSource tokens,
        SenderSettings settings,
        RejectedLineFile rejected,
        AgentCounters counters,
        ILogger logger,
        TimeProvider time)
    {
        _invoker = invoker;
        _tokens = tokens;
        _counters = counters;
        _cutter = new LogBatchEncoder.Cutter(settings.BatchSize, MaxBatchBytes);
        _maxUnconfirmed = settings.MaxUnconfirmedBatches;
        _commitInterval = settings.CommitInterval;
        _gzip = settings.Gzip;
        _writeTimeout = settings.WriteTimeout ?? WriteTimeout;
        _rejected = rejected;
        _logger = logger;
        _time = time;
    }

    /// <summary>
    /// Told of each batch the server confirmed, in order (the pipeline moves checkpoints on). Set
    /// before <see cref="Start"/>.
    /// </summary>
    public Action<BatchReceipt>? Confirmed { get; set; }

    /// <summary>Delays between failed attempts. Default: from 0.5 s, doubling, up to 30 s.</summary>
    public ExponentialBackoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>How many refusals in a row make the sender ask whether the server refuses everything.</summary>
    public RefusalStreak Refusals { get; init; } = new();

    /// <summary>
    /// The channel's connections, dropped after a write or an answer times out so the next attempt
    /// connects anew instead of hanging on a connection that silently stopped moving bytes. Null: none dropped.
    /// </summary>
    public ServerConnections? Connections { get; init; }

    /// <summary>The server's address (server_addr), for log lines a person acts on.</summary>
    public string Server { get; init; } = "";

    /// <summary>How long the server may take to answer a completed call. Default <see cref="CommitTimeout"/>.</summary>
    public TimeSpan AnswerTimeout { get; init; } = CommitTimeout;

    /// <summary>Starts the loop that completes the call when writes pause or it grows old.</summary>
    public void Start()
    {
        if (Confirmed is null)
        {
            throw new InvalidOperationException("set Confirmed before starting the sender: confirmed batches move checkpoints on");
        }

        _commitLoop = CommitLoopAsync(_stop.Token);
    }

    /// <summary>Writes one hand-off of chunks with nothing waiting behind it (see the other overload).</summary>
    public Task SendAsync(LineChunk[] chunks, CancellationToken cancellationToken) => SendAsync(chunks, moreWaiting: false, cancellationToken);

    /// <summary>
    /// Writes one hand-off of chunks from the pipeline, cut into batches of batch_size lines (and under
    /// the byte limit) by the one <see cref="LogBatchEncoder.Cutter"/>, to the call; waits while the
    /// server is away. <paramref name="moreWaiting"/>: more chunks wait in the pipeline behind these, so a short
    /// last batch waits for its lines instead of going out short. Takes the pipeline's reference on the
    /// chunks: from here the batches hold them until confirmed.
    /// </summary>
    public async Task SendAsync(LineChunk[] chunks, bool moreWaiting, CancellationToken cancellationToken)
    {
        List<EncodedBatch> batches;
        try
        {
            batches = _cutter.Cut(chunks, keepLastOpen: moreWaiting);
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                chunk.Release();
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var batch in batches)
            {
                if (batch.Oversized.Count > 0)
                {
                    await SetAsideOversizedAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                _pending.Add(batch);
                _counters.SetUnconfirmed(_pending.Count);
                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                if (_pending.Count >= _maxUnconfirmed)
                {
                    await CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            _lastWriteAt = _time.GetTimestamp();
        }
        finally
        {
            _gate.Release();
        }

        Signal();
    }

    /// <summary>Completes the call and waits until the server confirmed everything written so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public int Unconfirmed => _pending.Count;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_commitLoop is not null)
        {
            try
            {
                await _commitLoop.ConfigureAwait(false);
            }
            catch (Exception e) when (e.IsCancellationOf(_stop.Token))
            {
                // Stopped on purpose.
            }
        }

        _cutter.Abandon();
        _call?.Dispose();
        _stop.Dispose();
    }

    private async Task CommitLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _written.WaitAsync(cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    var quiet = IdleCommitDelay - _time.GetElapsedTime(Volatile.Read(ref _lastWriteAt));
                    var age = _commitInterval - _time.GetElapsedTime(Volatile.Read(ref _callOpenedAt));
                    var wait = quiet < age ? quiet : age;
                    if (wait <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }

                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!e.IsCancellationOf(cancellationToken))
        {
            // CommitAsync retries every call failure itself, so this is a bug. Not restarted: the
            // writer still completes calls every max_unconfirmed_batches and at shutdown.
            TransportLog.CommitLoopFailed(_logger, e.Message, e);
        }
    }

    private void Signal()
    {
        try
        {
            if (_written.CurrentCount == 0)
            {
                _written.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private async Task WriteAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        // A refusal settles batches while this one waits: once it is no longer pending, it is done.
        while (_pending.Contains(batch))
        {
            try
            {
                if (_call is null)
                {
                    // A new call carries every unconfirmed batch again, this one included.
                    await OpenCallAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                await WriteOneAsync(_call, batch, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken))
            {
                await HandleFailureAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count > 0)
        {
            try
            {
                if (_call is null)
                {
                    await OpenCallAsync(cancellationToken).ConfigureAwait(false);
                }

                var call = _call!;
                await CompleteAndAwaitAsync(call, cancellationToken).ConfigureAwait(false);
                call.Dispose();
                _call = null;
                Confirm(_pending.Count);
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken))
            {
                await HandleFailureAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A failed call: a refusal of content is split down; anything else backs off and the call is made again.</summary>
    private async Task HandleFailureAsync(Exception failure, CancellationToken cancellationToken)
    {
        var status = await StatusOfAsync(failure, _call).ConfigureAwait(false);
        _call?.Dispose();
        _call = null;
        if (SendRefusal.IsRefusal(status))
        {
            await ResolveRefusalAsync(status, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RecoverAsync(status, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Confirm(int batches)
    {
        var lines = 0;
        for (var i = 0; i < batches; i++)
        {
            if (_pending[i].RejectedLines == 0 && _pending[i].Receipt.Lines > 0)
            {
                KeepCanary(_pending[i]);
            }

            Confirmed!(_pending[i].Receipt);
            _pending[i].Release();
            lines += _pending[i].Receipt.Lines - _pending[i].RejectedLines;
        }

        _pending.RemoveRange(0, batches);
        _counters.SetUnconfirmed(_pending.Count);
        _counters.AddConfirmed(lines);
        _counters.AddBatchesConfirmed(batches);
        TransportLog.Confirmed(_logger, batches, lines);
        Backoff.Reset();
        Refusals.Reset();
        if (_failing)
        {
            _failing = false;
            TransportLog.Recovered(_logger);
        }
    }

    private async Task RecoverAsync(Status status, CancellationToken cancellationToken)
    {
        _call?.Dispose();
        _call = null;
        _failing = true;
        _counters.AddRetry();
        var delay = Backoff.Next();
        if (RetryableStatus.IsTransient(status.StatusCode) || status.StatusCode == StatusCode.Unauthenticated)
        {
            TransportLog.SendFailed(_logger, Server, status.StatusCode.ToString(), status.Detail, _pending.Count, Configuration.DurationText.Format(delay));
        }
        else
        {
            // Not a code a retry is known to fix (UNIMPLEMENTED, PERMISSION_DENIED, ...): still
            // retried, as dropping lines is never the answer, but said louder.
            TransportLog.SendRefused(_logger, Server, status.StatusCode.ToString(), status.Detail, _pending.Count, Configuration.DurationText.Format(delay));
        }

        if (status.StatusCode == StatusCode.Unauthenticated)
        {
            // Refresh (or re-register) now; the backoff still applies so a storm cannot spin.
            await _tokens.RenewAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }

}
