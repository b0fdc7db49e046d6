using Grpc.Core;

namespace RlogAgent.Transport;

/// <summary>The explicit list of what a retry can fix, per the contract's status table.</summary>
public static class RetryableStatus
{
    public static bool IsTransient(StatusCode code) => code is
        StatusCode.Unavailable or
        StatusCode.DeadlineExceeded or
        StatusCode.Internal or
        StatusCode.Unknown or
        StatusCode.Aborted or
        StatusCode.Cancelled or
        StatusCode.ResourceExhausted;
}
