using System.Threading.RateLimiting;
using Grpc.Core;
using RlogServer.Configuration;

namespace RlogServer.Services;

/// <summary>
/// A token bucket per peer address for <c>Register</c> and <c>Refresh</c>: a flood of them
/// from one address (a brute force of project keys, a broken agent in a tight loop) is
/// answered RESOURCE_EXHAUSTED, which agents back off from. Per replica: a limit only needs
/// to hold roughly, and keeping it here means no database round trip per call.
/// </summary>
internal sealed class AuthRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public AuthRateLimiter(ServerOptions options)
    {
        var perSecond = options.AuthRequestsPerSecond;
        var burst = options.AuthBurst;
        _limiter = PartitionedRateLimiter.Create<string, string>(peer => RateLimitPartition.GetTokenBucketLimiter(
            peer,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one call's token for the caller's address; throws RESOURCE_EXHAUSTED when there is none.</summary>
    public void ThrowIfLimited(ServerCallContext context)
    {
        using var lease = _limiter.AttemptAcquire(PeerAddress(context));
        if (!lease.IsAcquired)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many Register/Refresh calls from this address; back off"));
        }
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>The caller's IP address without its port; the gRPC peer string when there is no connection info.</summary>
    public static string PeerAddress(ServerCallContext context) =>
        context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString() ?? context.Peer;
}
