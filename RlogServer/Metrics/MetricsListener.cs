using System.Net;
using Prometheus;
using RlogServer.Common;
using RlogServer.Configuration;

namespace RlogServer.Metrics;

/// <summary>
/// Serves <see cref="ServerMetrics"/> as Prometheus text on <c>http://ADDRESS/metrics</c> when
/// <c>--metrics-listen</c> is set, through prometheus-net's HttpListener server: kept apart
/// from the gRPC endpoint, which speaks HTTP/2 only and may face the internet.
/// </summary>
internal sealed class MetricsListener : IHostedService, IDisposable
{
    private const string ScrapePath = "metrics/";

    private readonly ServerOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger<MetricsListener> _logger;
    private MetricServer? _server;

    public MetricsListener(ServerOptions options, ServerMetrics metrics, ILogger<MetricsListener> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.MetricsListen is not { } listen)
        {
            return Task.CompletedTask;
        }

        var (host, port) = ListenAddress.Parse(listen);
        // "+" accepts any Host header: what an every-interface address means.
        var prefixHost = host is "0.0.0.0" or "*" or "::" ? "+" : host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        _server = new MetricServer(prefixHost, port, ScrapePath, _metrics.Registry);
        try
        {
            _server.Start();
        }
        catch (HttpListenerException ex)
        {
            // The metrics are not worth refusing to store logs for.
            MetricsLog.CannotServe(_logger, listen, ex.Message);
            _server.Dispose();
            _server = null;
            return Task.CompletedTask;
        }

        MetricsLog.Serving(_logger, $"http://{(prefixHost == "+" ? listen : $"{prefixHost}:{port}")}/{ScrapePath.TrimEnd('/')}");
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _server?.Dispose();
}
