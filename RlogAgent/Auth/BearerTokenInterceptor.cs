using Grpc.Core;
using Grpc.Core.Interceptors;

namespace RlogAgent.Auth;

/// <summary>Adds <c>authorization: Bearer &lt;access token&gt;</c> to every call but those of AuthService.</summary>
public sealed class BearerTokenInterceptor : Interceptor
{
    private const string AuthServiceName = "rlog.v1.AuthService";
    private readonly Func<string?> _accessToken;

    public BearerTokenInterceptor(Func<string?> accessToken)
    {
        _accessToken = accessToken;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        return continuation(request, WithToken(context));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        return continuation(WithToken(context));
    }

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        if (context.Method.ServiceName == AuthServiceName || _accessToken() is not { } token)
        {
            return context;
        }

        var headers = context.Options.Headers ?? [];
        headers.Add("authorization", "Bearer " + token);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
