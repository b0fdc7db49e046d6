using Grpc.Core;
using Grpc.Core.Interceptors;
using Rlog.V1;

namespace RlogAgent.Tests.Support;

/// <summary>A server-side interceptor that breaks calls the way <see cref="FaultPlan"/> says.</summary>
public sealed class FaultInjector : Interceptor
{
    private readonly FaultPlan _plan;

    public FaultInjector(FaultPlan plan)
    {
        _plan = plan;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        _plan.CountSendCall();
        // ServerCallContext.RequestHeaders leaves out grpc-* transport headers: read the HTTP request.
        _plan.SendEncodings.Add(context.GetHttpContext().Request.Headers["grpc-encoding"].ToString());
        if (_plan.RejectSendsAsUnauthenticated)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "injected: token refused"));
        }

        if (_plan.FailSends)
        {
            throw new RpcException(new Status(_plan.FailSendsWith, "injected: send refused"));
        }

        var reader = new FaultyReader<TRequest>(requestStream, _plan);
        var response = await continuation(reader, context).ConfigureAwait(false);
        if (reader.RefusedBatchId is { } refused)
        {
            throw new RpcException(new Status(_plan.RefuseWith, $"injected: batch {refused} holds a line the server refuses"));
        }

        if (_plan.HangSends)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (_plan.FailHeartbeats && request is HeartbeatRequest)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "injected: heartbeat refused"));
        }

        return continuation(request, context);
    }

    private sealed class FaultyReader<T>(IAsyncStreamReader<T> inner, FaultPlan plan) : IAsyncStreamReader<T>
    {
        private int _batches;

        /// <summary>The first batch refused at the call's end, which the service never saw.</summary>
        public string? RefusedBatchId { get; private set; }

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (!await MoveNextCoreAsync(cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                if (inner.Current is LogBatch batch && plan.Refuses(batch))
                {
                    if (plan.RefuseAt == RefusalPoint.MidStream)
                    {
                        throw new RpcException(new Status(plan.RefuseWith, $"injected: batch {batch.BatchId} holds a line the server refuses"));
                    }

                    // At the call's end: hide it from the service, answer for it when the call completes.
                    RefusedBatchId ??= batch.BatchId;
                    continue;
                }

                return true;
            }
        }

        private async Task<bool> MoveNextCoreAsync(CancellationToken cancellationToken)
        {
            if (plan.ReadsResumed is { } resumed && _batches >= plan.StallAfterBatches)
            {
                plan.CountStall();
                await resumed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (plan.AbortSendAfterBatches > 0 && _batches >= plan.AbortSendAfterBatches && plan.TakeAbort())
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "injected: call aborted"));
            }

            if (plan.DelayPerBatch > TimeSpan.Zero)
            {
                await Task.Delay(plan.DelayPerBatch, cancellationToken).ConfigureAwait(false);
            }

            if (!await inner.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            _batches++;
            if (inner.Current is LogBatch received)
            {
                plan.RecordBatch(received.CalculateSize(), received.Logs.Count);
            }

            if (plan.PoisonLine is { } poison && inner.Current is LogBatch batch && batch.Logs.Any(l => l.Line == poison))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"injected: batch {batch.BatchId} refused"));
            }

            return true;
        }
    }
}
