using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Auth;
using RlogAgent.Collection;
using RlogAgent.Collection.Parsing;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Health;
using RlogAgent.Metrics;
using RlogAgent.Pipeline;
using RlogAgent.Storage;
using RlogAgent.Transport;

namespace RlogAgent.Hosting;

/// <summary>
/// Composes the agent from validated options and runs it until <c>stop</c>; then drains in order
/// within shutdown_timeout: stop reading, send the partial batch, complete the call, await the
/// server's confirmation, persist checkpoints. Each source runs under a <see cref="SourceSupervisor"/>;
/// a source given up, or a writer that stopped, ends the agent with a non-zero exit code. Returns the
/// process exit code.
/// </summary>
public sealed class AgentRunner
{
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

    /// <summary>What <c>/healthz</c> and <c>/ready</c> answer from; created when the run starts.</summary>
    public HealthState? Health { get; private set; }

    /// <summary>
    /// Builds the reader of one source; the default is a <see cref="SourceCollector"/>. Tests put
    /// a failing or hanging reader here to prove supervision and the shutdown budget.
    /// </summary>
    internal Func<SourceOptions, Func<ISourceReader>, ISourceReader>? WrapReader { get; init; }

    /// <summary>The backoff between restarts of a failed source; tests shorten it.</summary>
    internal Func<ExponentialBackoff>? SourceRestartBackoff { get; init; }

    /// <summary>Registration and refresh state, once running.</summary>
    public TokenKeeper? Tokens { get; private set; }

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
        StateDirectoryLock stateLock;
        try
        {
            stateLock = StateDirectoryLock.Acquire(o.StateDirFullPath);
        }
        catch (StateDirectoryInUseException e)
        {
            HostingLog.StateDirInUse(_logger, e.Message);
            return ExitCodes.StateDirInUse;
        }

        using var heldLock = stateLock;
        _checkpoints = CheckpointStore.Load(o.StateDirFullPath, _loggers.CreateLogger("rlog.collection"), _time);

        var connections = new ServerConnections();
        using var channel = GrpcChannelFactory.Create(o, connections);
        var tokens = new TokenKeeper(new AuthService.AuthServiceClient(channel), state, o.ProjectKey, o.ConfigPath, AgentInfo.Version, _loggers.CreateLogger("rlog.auth"), _time)
        {
            Server = o.ServerAddr,
        };
        var invoker = channel.Intercept(new BearerTokenInterceptor(() => tokens.AccessToken));
        Tokens = tokens;
        var health = new HealthState(o.HeartbeatInterval, _time);
        Health = health;
        await using var metricsEndpoint = MetricsEndpoint.StartIfConfigured(o.Metrics, () => new AgentMetrics(Counters, tokens, () => OpenFiles, AgentInfo.Version), health, _loggers.CreateLogger("rlog.metrics"));

        try
        {
            await tokens.StartAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e.IsCancellationOf(stop))
        {
            return ExitCodes.Ok;
        }

        health.Registered();
        if (WriteConfigAfterRegistration)
        {
            FirstRunConfigWriter.Write(o);
            HostingLog.ConfigWritten(_logger, o.ConfigPath);
        }

        using var abort = new CancellationTokenSource();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var background = new CancellationTokenSource();
        await using var sender = new LogStreamSender(
            invoker,
            tokens,
            new SenderSettings(o.BatchSize, o.MaxUnconfirmedBatches, o.CommitInterval, o.Compression == "gzip"),
            new RejectedLineFile(o.StateDirFullPath),
            Counters,
            _loggers.CreateLogger("rlog.transport"),
            _time)
        {
            Connections = connections,
            Server = o.ServerAddr,
        };
        var pipeline = new LogPipeline(o.FlushInterval, o.MaxBufferBytes, sender.SendAsync, _checkpoints, Counters, _time, abort.Token);
        sender.Confirmed = receipt =>
        {
            pipeline.OnConfirmed(receipt);
            health.Delivered();
        };
        await using var pipelineScope = pipeline.ConfigureAwait(false);
        sender.Start();

        var collectorLogger = _loggers.CreateLogger("rlog.collection");
        var hostingLogger = _loggers.CreateLogger("rlog.agent");
        var openFiles = new OpenFileLimit(o.MaxOpenFiles);
        var claims = new FileClaims();
        _openFiles = () => openFiles.Open;
        var supervisors = o.Sources.Select(s => new SourceSupervisor(
            s.Label,
            () =>
            {
                ISourceReader Collector(IChunkWriter writer) => new SourceCollector(s, o, _checkpoints, writer, openFiles, claims, Counters, collectorLogger, _time)
                {
                    Reading = new EventReading(s.Format, s.Multiline, s.Attributes, Counters),
                };
                ISourceReader Create()
                {
                    if (!s.ProcessesEvents)
                    {
                        return Collector(pipeline);
                    }

                    var failureReports = new FailureReportGate(_time, EventProcessor.FailureReportInterval);
                    var stage = new EventProcessingStage(pipeline, () => new EventProcessor(s, Counters, collectorLogger, _time, failureReports), EventProcessingStage.DefaultWorkers);
                    return new EventProcessingReader(stage, Collector);
                }

                return WrapReader is null ? Create() : WrapReader(s, Create);
            },
            Counters,
            hostingLogger,
            _time,
            SourceRestartBackoff?.Invoke())).ToList();
        var collecting = supervisors.Select(sv => Task.Run(() => sv.RunAsync(reading.Token), CancellationToken.None)).ToList();
        var heartbeat = new HeartbeatLoop(new HealthService.HealthServiceClient(invoker), tokens, Counters, () => OpenFiles, AgentInfo.Version, o.HeartbeatInterval, _loggers.CreateLogger("rlog.health"), _time, health);
        var heartbeating = heartbeat.RunAsync(background.Token);
        var progressing = new BackfillProgress(Counters, _loggers.CreateLogger("rlog.metrics"), _time).RunAsync(background.Token);
        var flushing = new CheckpointFlusher(_checkpoints, _loggers.CreateLogger("rlog.collection"), _time).RunAsync(health.LoopTicked, background.Token);
        var trimming = new IdleMemoryTrimmer(Counters, _logger, _time).RunAsync(background.Token);

        var stopped = Task.Delay(Timeout.Infinite, stop);
        var anySourceGivenUp = collecting.Count == 0 ? Task.Delay(Timeout.Infinite, stop) : Task.WhenAny(collecting.Select(t => t.ContinueWith(
            c => c.IsFaulted ? c : Task.Delay(Timeout.Infinite, stop),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap()));
        var ended = await Task.WhenAny(stopped, pipeline.Completion, anySourceGivenUp).ConfigureAwait(false);
        if (ended != stopped && !stop.IsCancellationRequested)
        {
            // The writer ended without being asked to, or a source could not be kept running:
            // exit so the supervisor restarts the agent; the checkpoints hold only confirmed lines.
            var reason = ended == pipeline.Completion
                ? pipeline.Completion.Exception?.GetBaseException() ?? new InvalidOperationException("the log writer stopped")
                : ((Task<Task>)ended).Result.Exception?.GetBaseException() ?? new InvalidOperationException("a source stopped");
            HostingLog.Fatal(_logger, reason.Message, reason);
            await reading.CancelAsync().ConfigureAwait(false);
            await background.CancelAsync().ConfigureAwait(false);
            await AwaitQuietlyAsync("background", Task.WhenAll(heartbeating, flushing, progressing, trimming)).ConfigureAwait(false);
            _checkpoints.Flush();
            return ExitCodes.Fatal;
        }

        var budget = o.ShutdownTimeout;
        HostingLog.Stopping(_logger, Configuration.DurationText.Format(budget));
        abort.CancelAfter(budget);
        var exitCode = ExitCodes.Ok;
        try
        {
            await reading.CancelAsync().ConfigureAwait(false);
            try
            {
                // A read hung on a stalled file system must not hold the drain: the readers get half
                // the budget, so what they handed on still has time to be sent and confirmed.
                await Task.WhenAll(collecting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(budget / 2, abort.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                HostingLog.ReadersDidNotStop(_logger);
            }

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
            await AwaitQuietlyAsync("heartbeat", heartbeating).ConfigureAwait(false);
            await AwaitQuietlyAsync("checkpoint flush", flushing).ConfigureAwait(false);
            await AwaitQuietlyAsync("backfill progress", progressing).ConfigureAwait(false);
            await AwaitQuietlyAsync("idle memory trim", trimming).ConfigureAwait(false);
            _checkpoints.Flush();
        }

        if (exitCode == ExitCodes.Ok && collecting.FirstOrDefault(t => t.IsFaulted) is { } failed)
        {
            // A source was given up just as the stop came: still not a clean run.
            var reason = failed.Exception!.GetBaseException();
            HostingLog.Fatal(_logger, reason.Message, reason);
            exitCode = ExitCodes.Fatal;
        }

        return exitCode;
    }

    /// <summary>Awaits a background task that is stopping; a failure is logged, never thrown over the final checkpoint flush.</summary>
    private async Task AwaitQuietlyAsync(string name, Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        catch (Exception e)
        {
            HostingLog.BackgroundFailed(_logger, name, e.Message, e);
        }
    }
}
