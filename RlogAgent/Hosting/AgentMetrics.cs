using RlogAgent.Auth;
using RlogAgent.Common;
using RlogAgent.Metrics;

namespace RlogAgent.Hosting;

/// <summary>
/// The agent's Prometheus metrics. <see cref="AgentCounters"/> stays the one source of truth: each
/// scrape writes the text straight from it, so the hot path counts once and the metrics can never
/// disagree with the heartbeat. Written by hand (<see cref="PrometheusTextWriter"/>) rather than
/// through a metrics library: the agent exposes a fixed set of counters and gauges, and a library's
/// collectors, registries and HTTP stack cost more binary and memory than the text they produce.
/// </summary>
public sealed class AgentMetrics
{
    /// <summary>Prefix of every metric name.</summary>
    public const string Prefix = "rlog_agent_";

    private readonly AgentCounters _counters;
    private readonly TokenKeeper? _tokens;
    private readonly Func<int> _openFiles;
    private readonly string _version;

    public AgentMetrics(AgentCounters counters, TokenKeeper? tokens, Func<int> openFiles, string version)
    {
        _counters = counters;
        _tokens = tokens;
        _openFiles = openFiles;
        _version = version;
    }

    /// <summary>The current values as Prometheus text.</summary>
    public string Scrape()
    {
        var c = _counters;
        var w = new PrometheusTextWriter();
        w.Counter(Prefix + "lines_read_total", "Lines taken from files.", c.LinesRead);
        w.Counter(Prefix + "lines_sent_total", "Lines written to a Send call, re-sends included.", c.LinesSent);
        w.Counter(Prefix + "lines_confirmed_total", "Lines the server confirmed as stored.", c.LinesConfirmed);
        w.Counter(Prefix + "lines_rejected_total", "Lines the server refused on their own (INVALID_ARGUMENT, or too big) or too big for any message, set aside in rejected.jsonl.", c.LinesRejected);
        w.Counter(Prefix + "bytes_read_total", "Bytes of file content read, line terminators included.", c.BytesRead);
        w.Counter(Prefix + "bytes_sent_total", "Bytes of file content written to a Send call, re-sends included.", c.BytesSent);
        w.Counter(Prefix + "bytes_confirmed_total", "Bytes of file content the server confirmed.", c.BytesConfirmed);
        w.Counter(Prefix + "batches_sent_total", "Batches written to a Send call, re-sends included.", c.BatchesSent);
        w.Counter(Prefix + "batches_confirmed_total", "Batches the server confirmed.", c.BatchesConfirmed);
        w.Counter(Prefix + "batches_resent_total", "Batches written again on a new call after a failure.", c.BatchesResent);
        w.Counter(Prefix + "send_retries_total", "Failed Send attempts that were retried.", c.SendRetries);
        w.Counter(Prefix + "source_restarts_total", "Times a source's reader failed and was started again.", c.SourceRestarts);
        w.Counter(Prefix + "records_unparsed_total", "Lines of a cri or docker source that were not records of its format, shipped as they are.", c.RecordsUnparsed);
        w.Counter(Prefix + "events_cut_total", "Events cut at max_line_bytes or multiline.max_lines; every part is shipped.", c.EventsCut);
        w.Counter(Prefix + "nul_bytes_skipped_total", "NUL bytes skipped where a line would start (the hole a writer leaves after copytruncate); the lines after them are shipped.", c.NulBytesSkipped);
        w.Counter(Prefix + "parse_failures_total", "Events of a source with parse or detect_level that did not parse, or whose time did not; shipped as they are with the time they were read at.", "label", c.ParseFailuresByLabel.ToArray());
        w.Counter(Prefix + "events_dropped_total", "Events a source's drop rule matched: not shipped, confirmed with their neighbours.", "label", c.EventsDroppedByLabel.ToArray());
        w.Counter(Prefix + "auth_registrations_total", "Register calls that succeeded.", _tokens?.Registrations ?? 0);
        w.Counter(Prefix + "auth_refreshes_total", "Access token refreshes that succeeded.", _tokens?.Refreshes ?? 0);
        w.Gauge(Prefix + "batches_in_flight", "Batches written or waiting, not yet confirmed.", c.BatchesUnconfirmed);
        w.Gauge(Prefix + "open_files", "Files held open now.", _openFiles());
        w.Gauge(Prefix + "sources_matching_nothing", "Sources whose path matches no file now (a typo, or files not written yet).", c.SourcesMatchingNothing.Count);

        // A file the collectors dropped (deleted, rotated away and released) is gone from FileLag,
        // so its series goes too: label cardinality follows the files followed now.
        var lag = c.FileLag.ToArray();
        w.Gauge(Prefix + "file_lag_bytes", "Bytes in a file not yet read.", "path", lag);
        w.Gauge(Prefix + "lag_bytes", "Bytes in all followed files not yet read.", lag.Sum(l => l.Value));
        w.Gauge(Prefix + "build_info", "The agent's version; always 1.", "version", [new KeyValuePair<string, long>(_version, 1)]);
        return w.ToString();
    }
}
