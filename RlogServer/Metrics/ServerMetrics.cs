using System.Collections.Concurrent;
using Prometheus;

namespace RlogServer.Metrics;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (several servers in one test
/// process must not share counters). Totals count since this replica started; sum them over
/// replicas for the cluster.
/// </summary>
public sealed class ServerMetrics
{
    private readonly ConcurrentDictionary<string, byte> _agentsSeen = new(StringComparer.Ordinal);
    private readonly Counter _linesStored;
    private readonly Counter _duplicates;
    private readonly Counter _batches;
    private readonly Counter _calls;
    private readonly Gauge _agents;
    private readonly Histogram _ingestSeconds;

    public ServerMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _linesStored = factory.CreateCounter("rlog_server_lines_stored_total", "Lines stored (new to the database).");
        _duplicates = factory.CreateCounter("rlog_server_lines_duplicate_total", "Lines received again and not stored twice.");
        _batches = factory.CreateCounter("rlog_server_batches_total", "Batches committed.");
        _calls = factory.CreateCounter(
            "rlog_server_calls_total",
            "gRPC calls answered, by method and status code.",
            new CounterConfiguration { LabelNames = ["method", "status"] });
        _agents = factory.CreateGauge("rlog_server_agents_seen", "Distinct agents that made an authenticated call to this replica since it started.");
        _ingestSeconds = factory.CreateHistogram(
            "rlog_server_ingest_seconds",
            "Time to store one batch, from its arrival to its commit.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
    }

    /// <summary>The registry the metrics endpoint serves.</summary>
    public CollectorRegistry Registry { get; }

    public void BatchStored(int stored, int duplicates, TimeSpan elapsed)
    {
        _batches.Inc();
        _linesStored.Inc(stored);
        _duplicates.Inc(duplicates);
        _ingestSeconds.Observe(elapsed.TotalSeconds);
    }

    public void CallAnswered(string method, string status) => _calls.WithLabels(method, status).Inc();

    public void AgentSeen(string agentUuid)
    {
        if (_agentsSeen.TryAdd(agentUuid, 0))
        {
            _agents.Set(_agentsSeen.Count);
        }
    }
}
