using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.WebConsole;

/// <summary>
/// Runs the console (<see cref="ConsoleApp"/>) beside the ingestion server when
/// <c>--console-listen</c> is set, started and stopped with it.
/// </summary>
public sealed class ConsoleServer : IHostedService, IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly LogStore _store;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<ConsoleServer> _logger;
    private WebApplication? _app;

    public ConsoleServer(ServerOptions options, LogStore store, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _store = store;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConsoleServer>();
    }

    /// <summary>The console's address once started (http://127.0.0.1:PORT), else null.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Console.Listen is null)
        {
            return;
        }

        _store.Console.QueryTimeout = _options.Console.QueryTimeout;
        _app = ConsoleApp.Build(_options, _store, _time, _loggerFactory);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        ConsoleLog.Serving(_logger, bound);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
