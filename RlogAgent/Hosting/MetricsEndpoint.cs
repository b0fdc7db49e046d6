using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Health;
using RlogAgent.Metrics;

namespace RlogAgent.Hosting;

/// <summary>
/// The agent's HTTP listener on <c>metrics.listen</c>: Prometheus text on <c>/metrics</c>, the
/// liveness probe on <c>/healthz</c> and the readiness probe on <c>/ready</c> (200 when healthy,
/// 503 otherwise, with the reason as text). Built on <see cref="HttpListener"/>: no web framework in
/// the agent, nothing reflection-based, so it stays NativeAOT-safe and small.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    /// <summary>Path of the scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Path of the liveness probe.</summary>
    public const string LivenessPath = "/healthz";

    /// <summary>Path of the readiness probe.</summary>
    public const string ReadinessPath = "/ready";

    private const string PlainText = "text/plain; charset=utf-8";

    private readonly HttpListener _listener;
    private readonly AgentMetrics _metrics;
    private readonly HealthState _health;
    private readonly ILogger _logger;
    private readonly Task _serving;

    private MetricsEndpoint(HttpListener listener, Uri url, AgentMetrics metrics, HealthState health, ILogger logger)
    {
        _listener = listener;
        Url = url;
        _metrics = metrics;
        _health = health;
        _logger = logger;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Where the scrape endpoint answers, for example <c>http://127.0.0.1:9464/metrics</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts the endpoint when <c>metrics.listen</c> is set; null when it is off or cannot start.</summary>
    public static MetricsEndpoint? StartIfConfigured(MetricsOptions options, Func<AgentMetrics> metrics, HealthState health, ILogger logger) =>
        options.Enabled && ListenAddress.TryParse(options.Listen, out var listen) ? TryStart(listen, metrics(), health, logger) : null;

    /// <summary>
    /// Starts serving, or logs why it cannot and returns null: a taken port costs the metrics and
    /// probes, not the shipping of logs.
    /// </summary>
    public static MetricsEndpoint? TryStart(ListenAddress listen, AgentMetrics metrics, HealthState health, ILogger logger)
    {
        // HttpListener matches a request's Host header against the prefix's host; "+" accepts any,
        // which is what an every-interface address means (a scrape or a kubelet probe arrives with
        // the pod's own IP).
        var prefixHost = listen.IsWildcard ? "+" : listen.Host.Contains(':', StringComparison.Ordinal) ? $"[{listen.Host}]" : listen.Host;
        var urlHost = listen.IsWildcard ? "127.0.0.1" : prefixHost;
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        listener.Prefixes.Add($"http://{prefixHost}:{listen.Port}/");
        try
        {
            listener.Start();
        }
        catch (Exception e) when (e is HttpListenerException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            MetricsLog.CannotServe(logger, listen.ToString(), e.Message, e);
            listener.Close();
            return null;
        }

        var url = new Uri($"http://{urlHost}:{listen.Port}{MetricsPath}");
        MetricsLog.Serving(logger, listen.IsWildcard ? $"http://{listen}{MetricsPath}" : url.ToString(), LivenessPath, ReadinessPath);
        return new MetricsEndpoint(listener, url, metrics, health, logger);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _listener.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            MetricsLog.StopFailed(_logger, e.Message, e);
        }

        await _serving.ConfigureAwait(false);
    }

    private async Task ServeAsync()
    {
        try
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync().ConfigureAwait(false);

                // Answers are computed in microseconds; only writing them can wait on a slow client,
                // so each is written on its own and the next request is taken at once.
                _ = Task.Run(() => AnswerAsync(context));
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // Closed: the agent is stopping.
        }
        catch (Exception e)
        {
            // Not restarted: a listener that fails this way would fail again at once. The agent ships
            // on; the probes then fail, which is what should alert someone.
            MetricsLog.ServingFailed(_logger, e.Message, e);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, contentType, body) = Answer(context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? "/");
            var bytes = Encoding.UTF8.GetBytes(body);
            response.StatusCode = status;
            response.ContentType = contentType;
            response.ContentLength64 = bytes.Length;
            response.Headers["Cache-Control"] = "no-store";
            if (context.Request.HttpMethod != "HEAD")
            {
                await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The client went away, or the agent is stopping: nothing to answer to.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // As above.
            }
        }
    }

    private (int Status, string ContentType, string Body) Answer(string method, string path)
    {
        if (method is not ("GET" or "HEAD"))
        {
            return (405, PlainText, "only GET and HEAD\n");
        }

        switch (path.TrimEnd('/'))
        {
            case MetricsPath:
                return (200, PrometheusTextWriter.ContentType, _metrics.Scrape());
            case LivenessPath:
                return Probe(_health.Liveness());
            case ReadinessPath:
                return Probe(_health.Readiness());
            default:
                return (404, PlainText, $"not found; try {MetricsPath}, {LivenessPath} or {ReadinessPath}\n");
        }
    }

    private static (int Status, string ContentType, string Body) Probe(HealthReport report) =>
        (report.Healthy ? 200 : 503, PlainText, report.Reason + "\n");
}
