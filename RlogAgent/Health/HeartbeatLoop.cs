using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Common;
using RlogAgent.Transport;

namespace RlogAgent.Health;

/// <summary>
/// Sends a heartbeat every <c>heartbeat_interval</c> on the shared channel, independent of shipping:
/// a failed heartbeat is logged once per outage and the next goes at its interval, whatever the
/// log stream is doing.
/// </summary>
public sealed class HeartbeatLoop
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly HealthService.HealthServiceClient _client;
    private readonly ITokenSource _tokens;
    private readonly AgentCounters _counters;
    private readonly Func<int> _openFiles;
    private readonly string _agentVersion;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IHealthReporter? _health;
    private readonly HostMetrics _metrics = new();
    private bool _failing;

    public HeartbeatLoop(HealthService.HealthServiceClient client, ITokenSource tokens, AgentCounters counters, Func<int> openFiles, string agentVersion, TimeSpan interval, ILogger logger, TimeProvider time, IHealthReporter? health = null)
    {
        _health = health;
        _client = client;
        _tokens = tokens;
        _counters = counters;
        _openFiles = openFiles;
        _agentVersion = agentVersion;
        _interval = interval;
        _logger = logger;
        _time = time;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        _metrics.CpuPercent();
        try
        {
            do
            {
                await BeatAsync(cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e.IsCancellationOf(cancellationToken))
        {
            // Stopping.
        }
    }

    public HeartbeatRequest Snapshot() => new()
    {
        Timestamp = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
        Cpu = _metrics.CpuPercent(),
        Memory = _metrics.MemoryPercent(),
        AgentVersion = _agentVersion,
        LinesRead = (ulong)_counters.LinesRead,
        LinesConfirmed = (ulong)_counters.LinesConfirmed,
        BatchesUnconfirmed = (ulong)_counters.BatchesUnconfirmed,
        SendRetries = (ulong)_counters.SendRetries,
        FilesOpen = (uint)_openFiles(),
        ProcessCpu = _metrics.ProcessCpuPercent(),
        ProcessRssBytes = (ulong)HostMetrics.ProcessRssBytes(),
        SourceRestarts = (ulong)_counters.SourceRestarts,
        LinesRejected = (ulong)_counters.LinesRejected,
        ParseFailures = (ulong)_counters.ParseFailures,
        EventsDropped = (ulong)_counters.EventsDropped,
    };

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var request = Snapshot();
        try
        {
            await _tokens.EnsureFreshAsync(cancellationToken).ConfigureAwait(false);
            await _client.HeartbeatAsync(request, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            HealthLog.Sent(_logger, request.Cpu, request.Memory);
            _health?.Delivered();
            if (_failing)
            {
                _failing = false;
                HealthLog.Recovered(_logger);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                HealthLog.Failed(_logger, e.StatusCode.ToString(), e.Status.Detail);
            }

            if (e.StatusCode == StatusCode.Unauthenticated)
            {
                // Renewed in the background: the next beat keeps its time.
                _ = RenewQuietlyAsync(cancellationToken);
            }
        }
        catch (Exception e) when (!e.IsCancellationOf(cancellationToken))
        {
            // Not the call's failure (a token that could not be saved, a metric that could not be
            // read): this beat is lost, the loop is not; the next beat goes at its time.
            if (!_failing)
            {
                _failing = true;
                HealthLog.Failed(_logger, e.GetType().Name, e.Message);
            }
        }
    }

    private async Task RenewQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _tokens.RenewAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e.IsCancellationOf(cancellationToken))
        {
            // Stopping.
        }
        catch (Exception e)
        {
            // The sender renews too when it needs to; a failure here only costs this attempt.
            HealthLog.Failed(_logger, e.GetType().Name, e.Message);
        }
    }
}
