using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.Hosting;

/// <summary>Runs the <see cref="RetentionSweeper"/> at start and then hourly, when <c>--retention</c> is set.</summary>
internal sealed class RetentionService : BackgroundService
{
    private readonly ServerOptions _options;
    private readonly LogStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(ServerOptions options, LogStore store, TimeProvider timeProvider, ILogger<RetentionService> logger)
    {
        _options = options;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Retention is not { } retention)
        {
            return;
        }

        var sweeper = new RetentionSweeper(_store, retention, _timeProvider, _logger);
        using var timer = new PeriodicTimer(ServerOptions.RetentionSweepInterval, _timeProvider);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database hiccup costs one sweep; the next hour's tries again, so the loop never ends on it.
                StorageLog.RetentionFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
