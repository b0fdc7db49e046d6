using System.Collections.Concurrent;

namespace RlogAgent.Tests.Server.Support;

/// <summary>Records the <c>grpc-encoding</c> header of every request the client sends.</summary>
internal sealed class GrpcEncodingRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<string> _encodings = new();

    public IReadOnlyList<string> Encodings => _encodings.ToArray();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _encodings.Enqueue(request.Headers.TryGetValues("grpc-encoding", out var values)
            ? string.Join(",", values)
            : "identity");
        return base.SendAsync(request, cancellationToken);
    }
}
