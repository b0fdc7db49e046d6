using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RlogServer.Configuration;
using RlogServer.Storage;
using RlogServer.Storage.Console;

namespace RlogServer.WebConsole;

/// <summary>
/// The console as an ASP.NET Core application of its own, on its own listener (HTTP/1.1, or
/// HTTPS with the server's certificate), sharing the ingestion server's database and clock:
/// host filtering, security headers, compression, the JSON API and the pages.
/// </summary>
internal static class ConsoleApp
{
    /// <summary>The pages' Content-Security-Policy: no inline script, no framing, nothing from elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication Build(ServerOptions options, LogStore store, TimeProvider time, ILoggerFactory loggerFactory)
    {
        var console = options.Console;
        var listen = ConsoleListen.Parse(console.Listen!);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ConsoleApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(listen.Address, listen.Port, endpoint =>
            {
                endpoint.Protocols = HttpProtocols.Http1;
                if (options.HasTls)
                {
                    var https = ServerTls.HttpsOptions(options);
                    // Mutual TLS is for agents; viewers sign in with keys.
                    https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate;
                    https.ClientCertificateValidation = null;
                    endpoint.UseHttps(https);
                }
            });
        });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(console);
        builder.Services.AddSingleton<ViewerAccess>();
        builder.Services.AddSingleton<ConsoleOrigin>();
        builder.Services.AddSingleton<ConsoleAssets>();
        builder.Services.Configure<HostFilteringOptions>(filtering =>
        {
            filtering.AllowedHosts = listen.AllowedHosts(console.Hosts).ToList();
            filtering.AllowEmptyHosts = false;
            filtering.IncludeFailureMessage = false;
        });
        builder.Services.AddResponseCompression(compression =>
        {
            compression.EnableForHttps = true;
            compression.Providers.Add<BrotliCompressionProvider>();
            compression.Providers.Add<GzipCompressionProvider>();
        });

        var app = builder.Build();
        app.Use(SecurityHeadersAsync);
        app.UseHostFiltering();
        app.UseResponseCompression();
        app.Use(ErrorsAsync);
        app.Use(RequireViewerAsync);
        ConsoleApi.Map(app);
        ConsolePages.Map(app);
        return app;
    }

    // Every response: no sniffing, no framing; no CORS headers are ever added.
    private static Task SecurityHeadersAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return next(context);
    }

    // A bad parameter is a 400 naming it, a query past the statement timeout a 503; anything
    // else a 500 without a stack trace (the log has it).
    private static async Task ErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadParameterException ex) when (!context.Response.HasStarted)
        {
            await ConsoleApi.ErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
        }
        catch (ConsoleQueryTimeoutException ex) when (!context.Response.HasStarted)
        {
            await ConsoleApi.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The viewer went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILogger<ViewerAccess>>().LogError(ex, "console request {Path} failed", context.Request.Path.Value);
            await ConsoleApi.ErrorAsync(context, StatusCodes.Status500InternalServerError, "the server failed to answer; its log says why").ConfigureAwait(false);
        }
    }

    // Every /api/v1 request but signing in needs a viewer key or a live session.
    private static async Task RequireViewerAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !(path.Equals("/api/v1/session", StringComparison.Ordinal) && HttpMethods.IsPost(context.Request.Method)))
        {
            var access = context.RequestServices.GetRequiredService<ViewerAccess>();
            if (!await access.IsAuthorizedAsync(context).ConfigureAwait(false))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await ConsoleApi.ErrorAsync(context, StatusCodes.Status401Unauthorized, "sign in: send Authorization: Bearer <viewer key>, or the session cookie").ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
