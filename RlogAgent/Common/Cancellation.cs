using Grpc.Core;

namespace RlogAgent.Common;

/// <summary>
/// A call cancelled through its token ends with <see cref="RpcException"/> CANCELLED rather than
/// <see cref="OperationCanceledException"/>; both mean "we asked to stop", never a failure to report.
/// </summary>
public static class Cancellation
{
    public static bool IsCancellationOf(this Exception exception, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
}
