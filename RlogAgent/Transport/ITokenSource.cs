namespace RlogAgent.Transport;

/// <summary>What the sender and heartbeat need of auth: a valid access token, and a way to renew a rejected one.</summary>
public interface ITokenSource
{
    /// <summary>Refreshes the access token first if it is about to expire.</summary>
    Task EnsureFreshAsync(CancellationToken cancellationToken);

    /// <summary>The server said UNAUTHENTICATED: refresh, or re-register when the refresh token is refused.</summary>
    Task RenewAsync(CancellationToken cancellationToken);
}
