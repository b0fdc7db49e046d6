using Microsoft.Extensions.Diagnostics.HealthChecks;
using RlogServer.Storage;

namespace RlogServer.Hosting;

/// <summary>
/// Healthy while the database answers: what <c>grpc.health.v1.Health</c> reports, so a load
/// balancer stops sending agents to a replica that cannot store their lines.
/// </summary>
internal sealed class DatabaseHealthCheck : IHealthCheck
{
    private readonly LogStore _store;

    public DatabaseHealthCheck(LogStore store)
    {
        _store = store;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await _store.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("the database does not answer", ex);
        }
    }
}
