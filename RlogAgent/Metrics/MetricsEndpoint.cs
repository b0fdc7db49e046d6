using System.Net;
using Microsoft.Extensions.Logging;
using Prometheus;
using RlogAgent.Configuration;

namespace RlogAgent.Metrics;

/// <summary>
/// Serves <see cref="AgentMetrics"/> as Prometheus text on <c>http://{metrics.listen}/metrics</c>,
/// through prometheus-net's HttpListener-based server (no ASP.NET Core in the agent).
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    /// <summary>Path of the scrape endpoint, without its leading slash.</summary>
    public const string ScrapePath = "metrics/";

    private readonly IMetricServer _server;
    private readonly ILogger _logger;

    private MetricsEndpoint(IMetricServer server, Uri url, ILogger logger)
    {
        _server = server;
        Url = url;
        _logger = logger;
    }

    /// <summary>Where the endpoint answers, for example <c>http://127.0.0.1:9464/metrics</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts the endpoint when <c>metrics.listen</c> is set; null when it is off or cannot start.</summary>
    public static MetricsEndpoint? StartIfConfigured(MetricsOptions options, Func<AgentMetrics> metrics, ILogger logger) =>
        options.Enabled && ListenAddress.TryParse(options.Listen, out var listen) ? TryStart(listen, metrics(), logger) : null;

    /// <summary>
    /// Starts serving, or logs why it cannot and returns null: a taken port costs the metrics, not
    /// the shipping of logs.
    /// </summary>
    public static MetricsEndpoint? TryStart(ListenAddress listen, AgentMetrics metrics, ILogger logger)
    {
        // HttpListener matches a request's Host header against the prefix's host; "+" accepts any,
        // which is what an every-interface address means (a scrape arrives with the pod's own IP).
        var prefixHost = listen.IsWildcard ? "+" : listen.Host.Contains(':', StringComparison.Ordinal) ? $"[{listen.Host}]" : listen.Host;
        var urlHost = listen.IsWildcard ? "127.0.0.1" : prefixHost;
        var server = new MetricServer(prefixHost, listen.Port, ScrapePath, metrics.Registry);
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is HttpListenerException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            MetricsLog.CannotServe(logger, listen.ToString(), e.Message, e);
            server.Dispose();
            return null;
        }

        var url = new Uri($"http://{urlHost}:{listen.Port}/{ScrapePath.TrimEnd('/')}");
        MetricsLog.Serving(logger, listen.IsWildcard ? $"http://{listen}/{ScrapePath.TrimEnd('/')}" : url.ToString());
        return new MetricsEndpoint(server, url, logger);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            MetricsLog.StopFailed(_logger, e.Message, e);
        }
    }
}
