using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Metrics;
using RlogServer.Services;
using RlogServer.Storage;

namespace RlogServer.Hosting;

/// <summary>
/// Builds the rlog ingestion server: Kestrel speaking HTTP/2 only, the three rlog.v1 gRPC
/// services, and the SQLite store. Used by <c>rlog-server</c> and by tests, which get the
/// <see cref="LogStore"/> and <see cref="TokenService"/> from the application's services.
/// </summary>
public static class RlogServerHost
{
    // HTTP/2 flow-control windows sized so one Send stream can keep a whole 4 MiB batch in
    // flight; Kestrel's defaults (768 KiB per stream) stall it once per window.
    private const int StreamWindowBytes = 4 * 1024 * 1024;
    private const int ConnectionWindowBytes = 8 * 1024 * 1024;

    // A long-lived Send stream can sit idle between batches; pings find a dead agent.
    private static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Validates <paramref name="options"/> and builds the server, listening on
    /// <paramref name="url"/> (an <c>http://</c> URL: h2c with prior knowledge; port 0 picks a free
    /// port). The database is opened here, so a bad path fails now rather than on the first call.
    /// </summary>
    /// <param name="options">Server settings; validated here.</param>
    /// <param name="url">Where to listen, for example <c>http://127.0.0.1:50051</c>.</param>
    /// <param name="logging">Configures logging; when null, logs go to the console.</param>
    /// <param name="timeProvider">The clock for token lifetimes and timestamps; the system clock when null.</param>
    /// <param name="configureGrpc">Adds to the gRPC options, for example an interceptor (tests inject faults this way).</param>
    public static WebApplication Build(
        ServerOptions options,
        string url,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? timeProvider = null,
        Action<GrpcServiceOptions>? configureGrpc = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        options.Validate();
        var expected = options.HasTls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != expected)
        {
            throw new ArgumentException(
                options.HasTls
                    ? $"--urls: '{url}' is not an https:// URL; with --tls-cert the server speaks HTTP/2 over TLS only."
                    : $"--urls: '{url}' is not an http:// URL; without --tls-cert the server speaks h2c only.");
        }

        // The empty builder reads no appsettings.json and no environment: what the server does
        // is decided by the options and the URL passed here, in tests as in production.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(RlogServerHost).Assembly.GetName().Name,
        });

        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.HasTls)
                {
                    listen.UseHttps(ServerTls.HttpsOptions(options));
                }
            });
            kestrel.Limits.Http2.InitialStreamWindowSize = StreamWindowBytes;
            kestrel.Limits.Http2.InitialConnectionWindowSize = ConnectionWindowBytes;
            kestrel.Limits.Http2.KeepAlivePingDelay = KeepAlivePingDelay;
            kestrel.Limits.Http2.KeepAlivePingTimeout = KeepAlivePingTimeout;
        });
        builder.WebHost.UseUrls(url);

        // Per-request framework logs would drown the one line per Send call.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        else
        {
            logging(builder.Logging);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(timeProvider ?? TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new LogStore(options.Database, services.GetRequiredService<ILogger<LogStore>>()));
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<BearerTokenAuthenticator>();
        builder.Services.AddSingleton<BatchValidator>();
        builder.Services.AddSingleton(new SendCallLimiter(options.Limits.MaxSendCallsPerAgent));
        builder.Services.AddSingleton(new InFlightBudget(options.Limits.MaxInFlightBytes, ServerOptions.MaxReceiveMessageBytes));
        builder.Services.AddSingleton<AuthRateLimiter>();
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<CallMetricsInterceptor>();
        builder.Services.AddHostedService<RetentionService>();
        builder.Services.AddHostedService<MetricsListener>();
        builder.Services.AddSingleton<AgentLastSeen>();
        builder.Services.AddSingleton<WebConsole.ConsoleServer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebConsole.ConsoleServer>());
        builder.Services.AddGrpc(grpc =>
        {
            // gzip is among the default compression providers: compressed requests are accepted.
            grpc.MaxReceiveMessageSize = ServerOptions.MaxReceiveMessageBytes;
            grpc.Interceptors.Add<CallMetricsInterceptor>();
            configureGrpc?.Invoke(grpc);
        });

        // grpc.health.v1.Health: the overall status ("") follows the database check.
        builder.Services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>("database");

        var app = builder.Build();
        app.MapGrpcService<LogIngestService>();
        app.MapGrpcService<AgentAuthService>();
        app.MapGrpcService<AgentHealthService>();
        app.MapGrpcHealthChecksService();

        _ = app.Services.GetRequiredService<LogStore>();
        return app;
    }
}
