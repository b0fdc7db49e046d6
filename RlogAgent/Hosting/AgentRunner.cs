using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Auth;
using RlogAgent.Collection;
using RlogAgent.Configuration;
using RlogAgent.Health;
using RlogAgent.Metrics;
using RlogAgent.Pipeline;
using RlogAgent.Transport;

namespace RlogAgent.Hosting;

/// <summary>
/// Composes the agent from validated options and runs it until <c>stop</c>; then drains in order
/// within shutdown_timeout: stop reading, send the partial batch, complete the call, await the
/// server's confirmation, persist checkpoints. Returns the process exit code.
/// </summary>
public sealed class AgentRunner
{
    /// <summary>How often confirmed checkpoints are written to disk while running.</summary>
    public static readonly TimeSpan CheckpointFlushInterval = TimeSpan.FromSeconds(1);

    private readonly AgentOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CheckpointStore? _checkpoints;

    public AgentRunner(AgentOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _options = options;
        _loggers = loggers;
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger("rlog.agent");
    }

    /// <summary>Write agent.yaml once registration succeeds (a first run configured from the environment).</summary>
    public bool WriteConfigAfterRegistration { get; init; }

    public AgentCounters Counters { get; } = new();

    /// <summary>Registration and refresh state, once running.</summary>
    public TokenManager? Tokens { get; private set; }

    /// <summary>Files the collectors hold open now.</summary>
    public int OpenFiles => _openFiles?.Invoke() ?? 0;

    private Func<int>? _openFiles;

    /// <summary>Writes checkpoints now: the last thing done before an immediate exit.</summary>
    public void FlushCheckpoints() => _checkpoints?.Flush();

    public async Task<int> RunAsync(CancellationToken stop)
    {
        var o = _options;
        HostingLog.Starting(_logger, AgentInfo.Version, o.ServerAddr, o.Sources.Count, o.StateDirFullPath);
        if (o.Sources.Count == 0)
        {
            HostingLog.NoSources(_logger, o.ConfigPath);
        }

        var state = new AgentStateStore(o.StateDirFullPath);
        state.EnsureFolder();
        _checkpoints = CheckpointStore.Load(o.StateDirFullPath, _loggers.CreateLogger("rlog.collection"), _time);

        using var channel = GrpcChannelFactory.Create(o);
        var tokens = new TokenManager(new AuthService.AuthServiceClient(channel), state, o.ProjectKey, o.ConfigPath, AgentInfo.Version, _loggers.CreateLogger("rlog.auth"), _time);
        var invoker = channel.Intercept(new BearerTokenInterceptor(() => tokens.AccessToken));
        Tokens = tokens;
        await using var metricsEndpoint = MetricsEndpoint.StartIfConfigured(o.Metrics, () => new AgentMetrics(Counters, tokens, () => OpenFiles, AgentInfo.Version), _loggers.CreateLogger("rlog.metrics"));

        try
        {
            await tokens.StartAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e.IsCancellationOf(stop))
        {
            return ExitCodes.Ok;
        }

        if (WriteConfigAfterRegistration)
        {
            FirstRunConfigWriter.Write(o);
            HostingLog.ConfigWritten(_logger, o.ConfigPath);
        }

        using var abort = new CancellationTokenSource();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var background = new CancellationTokenSource();
        LogPipeline? pipeline = null;
        await using var sender = new LogStreamSender(
            invoker,
            tokens,
            receipt => pipeline!.OnConfirmed(receipt),
            Counters,
            o.MaxUnconfirmedBatches,
            TimeSpan.FromSeconds(o.CommitInterval),
            o.Compression == "gzip",
            new RejectedLineFile(o.StateDirFullPath),
            _loggers.CreateLogger("rlog.transport"),
            _time);
        pipeline = new LogPipeline(o.BatchSize, TimeSpan.FromSeconds(o.FlushInterval), o.MaxBufferBytes, sender.SendAsync, _checkpoints, Counters, _time, abort.Token);
        await using var pipelineScope = pipeline.ConfigureAwait(false);
        sender.Start();

        var collectorLogger = _loggers.CreateLogger("rlog.collection");
        var openFiles = new OpenFileLimit(o.MaxOpenFiles);
        var collectors = o.Sources.Select(s => new SourceCollector(s, o, _checkpoints, pipeline, openFiles, Counters, collectorLogger, _time)).ToList();
        _openFiles = () => openFiles.Open;
        var collecting = collectors.Select(c => Task.Run(() => c.RunAsync(reading.Token), CancellationToken.None)).ToList();
        var heartbeat = new HeartbeatLoop(new HealthService.HealthServiceClient(invoker), tokens, Counters, () => OpenFiles, AgentInfo.Version, TimeSpan.FromSeconds(o.HeartbeatInterval), _loggers.CreateLogger("rlog.health"), _time);
        var heartbeating = heartbeat.RunAsync(background.Token);
        var progressing = new BackfillProgress(Counters, _loggers.CreateLogger("rlog.metrics"), _time).RunAsync(background.Token);
        var flushing = FlushCheckpointsAsync(background.Token);

        var stopped = Task.Delay(Timeout.Infinite, stop);
        if (await Task.WhenAny(stopped, pipeline.Completion).ConfigureAwait(false) != stopped)
        {
            // The writer ended without being asked to: nothing would ship any more. Exit so the
            // supervisor restarts the agent; the checkpoints hold only confirmed lines.
            var reason = pipeline.Completion.Exception?.GetBaseException() ?? new InvalidOperationException("the log writer stopped");
            HostingLog.Fatal(_logger, reason.Message, reason);
            await reading.CancelAsync().ConfigureAwait(false);
            await background.CancelAsync().ConfigureAwait(false);
            _checkpoints.Flush();
            return ExitCodes.Fatal;
        }

        var budget = TimeSpan.FromSeconds(o.ShutdownTimeout);
        HostingLog.Stopping(_logger, budget);
        abort.CancelAfter(budget);
        var exitCode = ExitCodes.Ok;
        try
        {
            await reading.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(collecting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            await pipeline.CompleteAsync().WaitAsync(abort.Token).ConfigureAwait(false);
            await sender.FlushAsync(abort.Token).ConfigureAwait(false);
            HostingLog.Stopped(_logger);
        }
        catch (Exception e) when (e.IsCancellationOf(abort.Token))
        {
            HostingLog.ShutdownIncomplete(_logger, sender.Unconfirmed);
            exitCode = ExitCodes.ShutdownIncomplete;
        }
        finally
        {
            await background.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(heartbeating, flushing, progressing).ConfigureAwait(false);
            foreach (var collector in collectors)
            {
                collector.Dispose();
            }

            _checkpoints.Flush();
        }

        return exitCode;
    }

    private async Task FlushCheckpointsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(CheckpointFlushInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                _checkpoints!.Flush();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the final flush follows the drain.
        }
    }
}
