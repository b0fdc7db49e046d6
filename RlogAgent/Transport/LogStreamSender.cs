using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Collection;
using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>
/// Writes batches to one long-lived <c>LogService.Send</c> call and completes it regularly so the
/// server confirms: when <c>max_unconfirmed_batches</c> are written, when the call is
/// <c>commit_interval</c> old, and as soon as nothing more is coming. Batches stay in memory until
/// confirmed; after any failure they are written again, in order and with their ids, on a new call
/// after a backoff. All call state is guarded by one gate: the Dataflow writer and the commit loop
/// take turns.
/// </summary>
public sealed class LogStreamSender : IAsyncDisposable
{
    /// <summary>A batch is closed early at this many encoded bytes, under the contract's 4 MiB.</summary>
    public const int MaxBatchBytes = 3 * 1024 * 1024 + 512 * 1024;

    /// <summary>How long the server may take to answer a completed call before it counts as failed.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Quiet time after the last write before the call is completed.</summary>
    public static readonly TimeSpan IdleCommitDelay = TimeSpan.FromMilliseconds(50);

    private readonly CallInvoker _invoker;
    private readonly ITokenSource _tokens;
    private readonly Action<BatchReceipt> _onConfirmed;
    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ExponentialBackoff _backoff;
    private readonly int _maxUnconfirmed;
    private readonly TimeSpan _commitInterval;
    private readonly bool _gzip;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _written = new(0, 1);
    private readonly List<EncodedBatch> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private AsyncClientStreamingCall<EncodedBatch, Empty>? _call;
    private long _callOpenedAt;
    private long _lastWriteAt;
    private bool _failing;
    private Task? _commitLoop;

    public LogStreamSender(
        CallInvoker invoker,
        ITokenSource tokens,
        Action<BatchReceipt> onConfirmed,
        AgentCounters counters,
        int maxUnconfirmedBatches,
        TimeSpan commitInterval,
        bool gzip,
        ILogger logger,
        TimeProvider time,
        ExponentialBackoff? backoff = null)
    {
        _invoker = invoker;
        _tokens = tokens;
        _onConfirmed = onConfirmed;
        _counters = counters;
        _maxUnconfirmed = maxUnconfirmedBatches;
        _commitInterval = commitInterval;
        _gzip = gzip;
        _logger = logger;
        _time = time;
        _backoff = backoff ?? new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts the loop that completes the call when writes pause or it grows old.</summary>
    public void Start() => _commitLoop = CommitLoopAsync(_stop.Token);

    /// <summary>Writes one Dataflow batch (split further by bytes) to the call; waits while the server is away.</summary>
    public async Task SendAsync(LogLine[] lines, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var batch in LogBatchEncoder.Encode(lines, MaxBatchBytes))
            {
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
        while (true)
        {
            try
            {
                if (_call is null)
                {
                    // A new call carries every unconfirmed batch again, this one included.
                    await OpenCallAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                await WriteOneAsync(batch, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken))
            {
                await RecoverAsync(e, cancellationToken).ConfigureAwait(false);
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
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(CommitTimeout);
                await call.ResponseAsync.WaitAsync(timeout.Token).ConfigureAwait(false);
                call.Dispose();
                _call = null;
                Confirm(_pending.Count);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                await IsolateRejectedAsync(e, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken) || e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                await RecoverAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The server refused a call (INVALID_ARGUMENT): send its batches one per call; the one refused on
    /// its own is logged with its id and counted, and the others are confirmed as usual.
    /// </summary>
    private async Task IsolateRejectedAsync(RpcException refusal, CancellationToken cancellationToken)
    {
        _call?.Dispose();
        _call = null;
        TransportLog.Isolating(_logger, _pending.Count, refusal.StatusCode.ToString());
        while (_pending.Count > 0)
        {
            var batch = _pending[0];
            try
            {
                using var call = await StartCallAsync(cancellationToken).ConfigureAwait(false);
                batch.SendAt = _time.GetUtcNow();
                await call.RequestStream.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                await call.ResponseAsync.WaitAsync(CommitTimeout, cancellationToken).ConfigureAwait(false);
                Confirm(1);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                TransportLog.BatchRejected(_logger, batch.BatchId, e.StatusCode.ToString(), e.Status.Detail, batch.Receipt.Lines);
                _counters.AddRejected(batch.Receipt.Lines);
                Confirm(1);
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken) || e is TimeoutException)
            {
                await RecoverAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Confirm(int batches)
    {
        var lines = 0;
        for (var i = 0; i < batches; i++)
        {
            _onConfirmed(_pending[i].Receipt);
            lines += _pending[i].Receipt.Lines;
        }

        _pending.RemoveRange(0, batches);
        _counters.SetUnconfirmed(_pending.Count);
        _counters.AddConfirmed(lines);
        _counters.AddBatchesConfirmed(batches);
        TransportLog.Confirmed(_logger, batches, lines);
        _backoff.Reset();
        if (_failing)
        {
            _failing = false;
            TransportLog.Recovered(_logger);
        }
    }

    private async Task OpenCallAsync(CancellationToken cancellationToken)
    {
        _call = await StartCallAsync(cancellationToken).ConfigureAwait(false);
        _callOpenedAt = _time.GetTimestamp();
        foreach (var batch in _pending)
        {
            await WriteOneAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<AsyncClientStreamingCall<EncodedBatch, Empty>> StartCallAsync(CancellationToken cancellationToken)
    {
        await _tokens.EnsureFreshAsync(cancellationToken).ConfigureAwait(false);
        var headers = new Metadata();
        if (_gzip)
        {
            headers.Add("grpc-internal-encoding-request", "gzip");
        }

        return _invoker.AsyncClientStreamingCall(LogBatchEncoder.SendMethod, null, new CallOptions(headers, cancellationToken: cancellationToken));
    }

    private async Task WriteOneAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        batch.SendAt = _time.GetUtcNow();
        await _call!.RequestStream.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        _counters.AddSent(batch.Receipt.Lines, batch.Receipt.FileBytes);
        _counters.AddBatchSent(resent: batch.Written);
        batch.Written = true;
    }

    private async Task RecoverAsync(Exception failure, CancellationToken cancellationToken)
    {
        var status = await StatusOfAsync(failure).ConfigureAwait(false);
        _call?.Dispose();
        _call = null;
        _failing = true;
        _counters.AddRetry();
        var delay = _backoff.Next();
        if (RetryableStatus.IsTransient(status.StatusCode) || status.StatusCode == StatusCode.Unauthenticated)
        {
            TransportLog.SendFailed(_logger, status.StatusCode.ToString(), status.Detail, _pending.Count, delay);
        }
        else
        {
            // Not a code a retry is known to fix (UNIMPLEMENTED, PERMISSION_DENIED, ...): still
            // retried, as dropping lines is never the answer, but said louder.
            TransportLog.SendRefused(_logger, status.StatusCode.ToString(), status.Detail, _pending.Count, delay);
        }

        if (status.StatusCode == StatusCode.Unauthenticated)
        {
            // Refresh (or re-register) now; the backoff still applies so a storm cannot spin.
            await _tokens.RenewAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The call's real status: a failed write often hides it until the response is read.</summary>
    private async Task<Status> StatusOfAsync(Exception failure)
    {
        if (failure is RpcException rpc)
        {
            return rpc.Status;
        }

        if (_call is not null)
        {
            try
            {
                await _call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                return e.Status;
            }
            catch (Exception)
            {
                // Fall through to the transport error.
            }
        }

        return new Status(StatusCode.Unavailable, failure.Message);
    }

    private static bool IsCallFailure(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is RpcException or IOException or InvalidOperationException or HttpRequestException or ObjectDisposedException;
}
