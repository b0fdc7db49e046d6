using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Hosting;
using RlogServer.Storage;

namespace RlogAgent.Tests.Support;

/// <summary>
/// A real rlog server on Kestrel loopback with its SQLite file in a temp folder. Start it with
/// <see cref="StartAsync"/>; stop it and start it again on the same port and database with
/// <see cref="RestartAsync"/> (or <see cref="StartAsync"/> passing <see cref="Folder"/> and
/// <see cref="Port"/>) to test an agent that outlives a server restart.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    /// <summary>The project key every test server accepts unless a test configures others.</summary>
    public const string ProjectKey = "test-project-key";

    /// <summary>The database file name inside <see cref="Folder"/>.</summary>
    public const string DatabaseFileName = "rlog.db";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private readonly Action<ServerOptions>? _configure;
    private readonly Action<ILoggingBuilder>? _logging;
    private readonly TimeProvider? _timeProvider;
    private bool _ownsFolder;
    private Action<GrpcServiceOptions>? _grpc;
    private bool _stopped;

    private TestServer(
        WebApplication app,
        ServerOptions options,
        Uri address,
        string folder,
        bool ownsFolder,
        Action<ServerOptions>? configure,
        Action<ILoggingBuilder>? logging,
        TimeProvider? timeProvider)
    {
        _app = app;
        Options = options;
        Address = address;
        Folder = folder;
        _ownsFolder = ownsFolder;
        _configure = configure;
        _logging = logging;
        _timeProvider = timeProvider;
        Store = app.Services.GetRequiredService<LogStore>();
        Tokens = app.Services.GetRequiredService<TokenService>();
    }

    /// <summary>The address the server really listens on, for example <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address { get; }

    /// <summary>The port of <see cref="Address"/>.</summary>
    public int Port => Address.Port;

    /// <summary>The folder that holds the database.</summary>
    public string Folder { get; }

    /// <summary>The server's store, for reading what it holds.</summary>
    public LogStore Store { get; }

    /// <summary>The server's token service, for forcing refresh and re-registration paths.</summary>
    public TokenService Tokens { get; }

    /// <summary>The server's services, for looking at its state (call slots, budgets).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The options the server runs with.</summary>
    public ServerOptions Options { get; }

    /// <summary>
    /// Starts a server on <c>http://127.0.0.1:{port}</c> (0: a free port) with its database in
    /// <paramref name="folder"/>, or in a new temp folder that <see cref="DisposeAsync"/> deletes.
    /// The options accept <see cref="ProjectKey"/> unless <paramref name="configure"/> changes them.
    /// Server logs are dropped unless <paramref name="logging"/> adds a provider. The server reads
    /// <paramref name="timeProvider"/> (for example a FakeTimeProvider) for token lifetimes.
    /// </summary>
    public static Task<TestServer> StartAsync(
        Action<ServerOptions>? configure = null,
        string? folder = null,
        int port = 0,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? timeProvider = null,
        Action<GrpcServiceOptions>? grpc = null) =>
        StartCoreAsync(configure, folder, port, logging, timeProvider, ownsFolder: folder is null, grpc);

    /// <summary>
    /// Stops this server if it runs, then starts a new one on the same port and database with the
    /// same configuration. The new server takes over deleting the folder, if this one owned it.
    /// </summary>
    public async Task<TestServer> RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        var next = await StartCoreAsync(_configure, Folder, Port, _logging, _timeProvider, _ownsFolder, _grpc).ConfigureAwait(false);
        _ownsFolder = false;
        return next;
    }

    /// <summary>
    /// Stops the server, giving calls in progress a bounded time to end, and closes the database.
    /// Calling it again does nothing.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using (var budget = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(budget.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server and deletes the temp folder it created.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsFolder && Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static async Task<TestServer> StartCoreAsync(
        Action<ServerOptions>? configure,
        string? folder,
        int port,
        Action<ILoggingBuilder>? logging,
        TimeProvider? timeProvider,
        bool ownsFolder,
        Action<GrpcServiceOptions>? grpc)
    {
        var createdFolder = folder is null;
        folder ??= Directory.CreateTempSubdirectory("rlog-server-test-").FullName;
        var options = new ServerOptions
        {
            ProjectKeys = [ProjectKey],
            Database = Path.Combine(folder, DatabaseFileName),
        };
        configure?.Invoke(options);

        var app = RlogServerHost.Build(
            options,
            $"{(options.HasTls ? "https" : "http")}://127.0.0.1:{port}",
            builder =>
            {
                builder.ClearProviders();
                logging?.Invoke(builder);
            },
            timeProvider,
            grpc);
        try
        {
            await app.StartAsync().WaitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            if (createdFolder)
            {
                Directory.Delete(folder, recursive: true);
            }

            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        var address = new Uri(addresses.Addresses.Single());
        return new TestServer(app, options, address, folder, ownsFolder, configure, logging, timeProvider) { _grpc = grpc };
    }
}
