using Grpc.Core;

namespace RlogAgent.Tests.Server.Support;

internal static class RpcAssert
{
    /// <summary>Awaits <paramref name="call"/> and asserts it failed with <paramref name="expected"/>.</summary>
    public static async Task<RpcException> FailsWithAsync(StatusCode expected, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            Assert.That(ex.StatusCode, Is.EqualTo(expected), ex.Status.Detail);
            return ex;
        }

        Assert.Fail($"expected {expected}, but the call succeeded");
        throw new InvalidOperationException("unreachable");
    }
}
