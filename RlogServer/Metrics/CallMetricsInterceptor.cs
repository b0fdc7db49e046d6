using Grpc.Core;
using Grpc.Core.Interceptors;

namespace RlogServer.Metrics;

/// <summary>Counts every unary and client-streaming call by method and the status it ended with.</summary>
internal sealed class CallMetricsInterceptor : Interceptor
{
    private readonly ServerMetrics _metrics;

    public CallMetricsInterceptor(ServerMetrics metrics)
    {
        _metrics = metrics;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            _metrics.CallAnswered(context.Method, nameof(StatusCode.OK));
            return response;
        }
        catch (Exception ex)
        {
            _metrics.CallAnswered(context.Method, StatusOf(ex));
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            _metrics.CallAnswered(context.Method, nameof(StatusCode.OK));
            return response;
        }
        catch (Exception ex)
        {
            _metrics.CallAnswered(context.Method, StatusOf(ex));
            throw;
        }
    }

    private static string StatusOf(Exception ex) => ex switch
    {
        RpcException rpc => rpc.StatusCode.ToString(),
        OperationCanceledException => nameof(StatusCode.Cancelled),
        _ => nameof(StatusCode.Unknown),
    };
}
