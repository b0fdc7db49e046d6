using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace RlogAgent.Transport;

/// <summary>
/// The one long-lived Send call: opening it, writing a batch within a time limit, completing it
/// for the server's answer, and what a failed call's status was.
/// </summary>
public sealed partial class LogStreamSender
{
    private async Task OpenCallAsync(CancellationToken cancellationToken)
    {
        _call = await StartCallAsync(cancellationToken).ConfigureAwait(false);
        _callOpenedAt = _time.GetTimestamp();
        foreach (var batch in _pending)
        {
            await WriteOneAsync(_call, batch, cancellationToken).ConfigureAwait(false);
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

    /// <summary>One write, within <see cref="WriteTimeout"/>: past it the server has stopped reading, a transient failure.</summary>
    private async Task WriteOneAsync(AsyncClientStreamingCall<EncodedBatch, Empty> call, EncodedBatch batch, CancellationToken cancellationToken)
    {
        batch.SendAt = _time.GetUtcNow();
        try
        {
            await call.RequestStream.WriteAsync(batch, cancellationToken).WaitAsync(_writeTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw WriteTimedOut();
        }

        _counters.AddSent(batch.Receipt.Lines - batch.RejectedLines, batch.Receipt.FileBytes);
        _counters.AddBatchSent(resent: batch.Written);
        batch.Written = true;
    }

    /// <summary>Completes the request stream (within the write deadline) and waits for the server's answer.</summary>
    private async Task CompleteAndAwaitAsync(AsyncClientStreamingCall<EncodedBatch, Empty> call, CancellationToken cancellationToken)
    {
        try
        {
            await call.RequestStream.CompleteAsync().WaitAsync(_writeTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw WriteTimedOut();
        }

        try
        {
            await call.ResponseAsync.WaitAsync(AnswerTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Connections?.DropAll();
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"no answer within {AnswerTimeout.TotalSeconds} s of completing the call; reconnecting"));
        }
    }

    /// <summary>A write waited past its deadline: the connection may be dead without knowing it, so the next attempt opens a new one.</summary>
    private RpcException WriteTimedOut()
    {
        Connections?.DropAll();
        return new(new Status(StatusCode.DeadlineExceeded, $"the server took no data for {_writeTimeout.TotalSeconds} s; reconnecting"));
    }

    /// <summary>The call's real status: a failed write often hides it until the response is read.</summary>
    private static async Task<Status> StatusOfAsync(Exception failure, AsyncClientStreamingCall<EncodedBatch, Empty>? call)
    {
        if (failure is RpcException rpc)
        {
            return rpc.Status;
        }

        if (call is not null)
        {
            try
            {
                await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
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
