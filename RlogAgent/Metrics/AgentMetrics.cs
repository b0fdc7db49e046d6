using Prometheus;
using RlogAgent.Auth;
using RlogAgent.Pipeline;

namespace RlogAgent.Metrics;

/// <summary>
/// The agent's Prometheus metrics. <see cref="AgentCounters"/> stays the one source of truth:
/// just before each scrape the collectors are set from it, so the hot path counts once and the
/// metrics can never disagree with the heartbeat.
/// </summary>
public sealed class AgentMetrics
{
    /// <summary>Prefix of every metric name.</summary>
    public const string Prefix = "rlog_agent_";

    private readonly AgentCounters _counters;
    private readonly TokenManager? _tokens;
    private readonly Func<int> _openFiles;
    private readonly Counter _linesRead;
    private readonly Counter _linesSent;
    private readonly Counter _linesConfirmed;
    private readonly Counter _linesRejected;
    private readonly Counter _bytesRead;
    private readonly Counter _bytesConfirmed;
    private readonly Counter _bytesSent;
    private readonly Counter _batchesSent;
    private readonly Counter _batchesConfirmed;
    private readonly Counter _batchesResent;
    private readonly Counter _sendRetries;
    private readonly Counter _sourceRestarts;
    private readonly Counter _registrations;
    private readonly Counter _refreshes;
    private readonly Gauge _batchesInFlight;
    private readonly Gauge _openFilesGauge;
    private readonly Gauge _fileLag;
    private readonly Gauge _lagTotal;

    public AgentMetrics(AgentCounters counters, TokenManager? tokens, Func<int> openFiles, string version)
    {
        _counters = counters;
        _tokens = tokens;
        _openFiles = openFiles;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _linesRead = factory.CreateCounter(Prefix + "lines_read_total", "Lines taken from files.");
        _linesSent = factory.CreateCounter(Prefix + "lines_sent_total", "Lines written to a Send call, re-sends included.");
        _linesConfirmed = factory.CreateCounter(Prefix + "lines_confirmed_total", "Lines the server confirmed as stored.");
        _linesRejected = factory.CreateCounter(Prefix + "lines_rejected_total", "Lines the server refused on their own (INVALID_ARGUMENT, or too big) or too big for any message, set aside in rejected.jsonl.");
        _bytesRead = factory.CreateCounter(Prefix + "bytes_read_total", "Bytes of file content read, line terminators included.");
        _bytesSent = factory.CreateCounter(Prefix + "bytes_sent_total", "Bytes of file content written to a Send call, re-sends included.");
        _bytesConfirmed = factory.CreateCounter(Prefix + "bytes_confirmed_total", "Bytes of file content the server confirmed.");
        _batchesSent = factory.CreateCounter(Prefix + "batches_sent_total", "Batches written to a Send call, re-sends included.");
        _batchesConfirmed = factory.CreateCounter(Prefix + "batches_confirmed_total", "Batches the server confirmed.");
        _batchesResent = factory.CreateCounter(Prefix + "batches_resent_total", "Batches written again on a new call after a failure.");
        _sendRetries = factory.CreateCounter(Prefix + "send_retries_total", "Failed Send attempts that were retried.");
        _sourceRestarts = factory.CreateCounter(Prefix + "source_restarts_total", "Times a source's reader failed and was started again.");
        _registrations = factory.CreateCounter(Prefix + "auth_registrations_total", "Register calls that succeeded.");
        _refreshes = factory.CreateCounter(Prefix + "auth_refreshes_total", "Access token refreshes that succeeded.");
        _batchesInFlight = factory.CreateGauge(Prefix + "batches_in_flight", "Batches written or waiting, not yet confirmed.");
        _openFilesGauge = factory.CreateGauge(Prefix + "open_files", "Files held open now.");
        _fileLag = factory.CreateGauge(Prefix + "file_lag_bytes", "Bytes in a file not yet read.", "path");
        _lagTotal = factory.CreateGauge(Prefix + "lag_bytes", "Bytes in all followed files not yet read.");
        factory.CreateGauge(Prefix + "build_info", "The agent's version; always 1.", "version").WithLabels(version).Set(1);
        Registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>The registry the endpoint serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Copies the current totals into the collectors; run before every scrape.</summary>
    public void Update()
    {
        var c = _counters;
        _linesRead.IncTo(c.LinesRead);
        _linesSent.IncTo(c.LinesSent);
        _linesConfirmed.IncTo(c.LinesConfirmed);
        _linesRejected.IncTo(c.LinesRejected);
        _bytesRead.IncTo(c.BytesRead);
        _bytesSent.IncTo(c.BytesSent);
        _bytesConfirmed.IncTo(c.BytesConfirmed);
        _batchesSent.IncTo(c.BatchesSent);
        _batchesConfirmed.IncTo(c.BatchesConfirmed);
        _batchesResent.IncTo(c.BatchesResent);
        _sendRetries.IncTo(c.SendRetries);
        _sourceRestarts.IncTo(c.SourceRestarts);
        _registrations.IncTo(_tokens?.Registrations ?? 0);
        _refreshes.IncTo(_tokens?.Refreshes ?? 0);
        _batchesInFlight.Set(c.BatchesUnconfirmed);
        _openFilesGauge.Set(_openFiles());

        long total = 0;
        var lag = c.FileLag.ToArray();
        foreach (var (path, bytes) in lag)
        {
            _fileLag.WithLabels(path).Set(bytes);
            total += bytes;
        }

        _lagTotal.Set(total);

        // A file the collectors dropped (deleted, rotated away and released) drops its series too,
        // so label cardinality follows the files followed now, not every file ever seen.
        var current = lag.Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var labels in _fileLag.GetAllLabelValues().ToList())
        {
            if (!current.Contains(labels[0]))
            {
                _fileLag.RemoveLabelled(labels);
            }
        }
    }
}
