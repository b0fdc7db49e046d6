using System.CommandLine;
using System.CommandLine.Parsing;
using System.Data.Common;
using System.Globalization;
using RlogServer.Common;
using RlogServer.Configuration;
using RlogServer.Hosting;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary>
/// The <c>rlog-server</c> command line: run the server (the root command), or read a database
/// with <c>stats</c> and <c>tail</c>.
/// </summary>
internal static class ServerCommandLine
{
    /// <summary>Default listening URL: loopback only; exposing the server is a deliberate choice.</summary>
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Environment variable with comma-separated project keys, added to <c>--project-key</c>.</summary>
    public const string ProjectKeysVariable = "RLOG_PROJECT_KEYS";

    /// <summary>Environment variable naming the database when <c>--db</c> is not given.</summary>
    public const string DatabaseVariable = "RLOG_DB";

    /// <summary>Environment variable with the retention when <c>--retention</c> is not given.</summary>
    public const string RetentionVariable = "RLOG_RETENTION";

    /// <summary>Environment variable for <c>--console-listen</c>.</summary>
    public const string ConsoleListenVariable = "RLOG_CONSOLE_LISTEN";

    /// <summary>Environment variable with comma-separated viewer keys, added to <c>--viewer-keys</c>.</summary>
    public const string ViewerKeysVariable = "RLOG_VIEWER_KEYS";

    /// <summary>Exit code for a usage error the parser cannot see (no project key, bad database).</summary>
    public const int UsageErrorExitCode = 2;

    /// <summary>
    /// Builds the command tree. <paramref name="environment"/> reads environment variables;
    /// the process environment when null.
    /// </summary>
    public static RootCommand Create(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen: an http:// URL (HTTP/2 without TLS), or https:// with --tls-cert and --tls-key.",
            DefaultValueFactory = _ => DefaultUrl,
        };
        var database = DatabaseOption(environment);
        var retention = new Option<string?>("--retention")
        {
            Description = $"Remove lines, heartbeats and spent tokens older than this (7d, 12h, 2w); hourly. Default: keep everything. Also {RetentionVariable}.",
            DefaultValueFactory = _ => environment(RetentionVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null,
        };
        var metricsListen = new Option<string?>("--metrics-listen")
        {
            Description = "Serve Prometheus metrics on http://ADDRESS/metrics, for example 127.0.0.1:9465 (a bare :9465 means loopback).",
        };
        var projectKeys = new Option<string[]>("--project-key")
        {
            Description = $"A project key agents may register with; repeat for several. Also read from {ProjectKeysVariable} (comma-separated).",
            Arity = ArgumentArity.OneOrMore,
        };
        var accessTtl = PositiveSecondsOption(
            "--access-ttl",
            "Access token lifetime in seconds.",
            ServerOptions.DefaultAccessTokenLifetime);
        var refreshTtl = PositiveSecondsOption(
            "--refresh-ttl",
            "Refresh token lifetime in seconds.",
            ServerOptions.DefaultRefreshTokenLifetime);

        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate to serve https:// with." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var clientCa = new Option<string?>("--client-ca") { Description = "PEM CA: require agents to present a client certificate it signed (mutual TLS)." };

        var consoleListen = new Option<string?>("--console-listen")
        {
            Description = $"Serve the console and its HTTP API on ADDRESS, for example 127.0.0.1:8080 (a bare :8080 means loopback, 0.0.0.0:8080 every interface). Also {ConsoleListenVariable}.",
            DefaultValueFactory = _ => environment(ConsoleListenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null,
        };
        var viewerKeys = new Option<string[]>("--viewer-keys")
        {
            Description = $"Keys viewers sign in to the console with, comma-separated (or repeat the option). Also {ViewerKeysVariable}.",
            Arity = ArgumentArity.OneOrMore,
        };
        var viewerKeysFile = new Option<string?>("--viewer-keys-file")
        {
            Description = "A file of viewer keys, one a line (keeps them out of ps).",
        };
        var consoleHosts = new Option<string[]>("--console-hosts")
        {
            Description = "Host names the console answers to besides its listening address (the names in its URL), comma-separated.",
            Arity = ArgumentArity.OneOrMore,
        };
        var agentLate = new Option<string?>("--agent-late")
        {
            Description = "The console shows an agent as late once it has been silent this long (45s, 10m, or seconds). Default 90s.",
        };
        var agentDown = new Option<string?>("--agent-down")
        {
            Description = "The console shows an agent as down once it has been silent this long (45s, 10m, or seconds). Default 10m.",
        };

        var queryTimeout = new Option<string?>("--console-query-timeout")
        {
            Description = "How long one console query may run on PostgreSQL before it is cancelled and answered 503 (30s, 2m, or seconds). Default 30s.",
        };
        var checkConfig = new Option<bool>("--check-config")
        {
            Description = "Validate the flags and environment, print the effective settings with secrets masked, and exit: 0 if valid, 2 if not.",
        };

        var root = new RootCommand("rlog-server: the reference rlog ingestion server (gRPC; SQLite or PostgreSQL).")
        {
            urls,
            database,
            retention,
            metricsListen,
            projectKeys,
            accessTtl,
            refreshTtl,
            tlsCert,
            tlsKey,
            clientCa,
            consoleListen,
            viewerKeys,
            viewerKeysFile,
            consoleHosts,
            agentLate,
            agentDown,
            queryTimeout,
            checkConfig,
            StatsCommand.Create(environment),
            TailCommand.Create(environment),
            QueryCommand.Create(environment),
        };

        root.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var options = new ServerOptions
            {
                Database = parse.GetValue(database)!,
                MetricsListen = parse.GetValue(metricsListen),
                AccessTokenLifetime = TimeSpan.FromSeconds(parse.GetValue(accessTtl)),
                RefreshTokenLifetime = TimeSpan.FromSeconds(parse.GetValue(refreshTtl)),
                TlsCertificatePath = parse.GetValue(tlsCert),
                TlsKeyPath = parse.GetValue(tlsKey),
                ClientCaPath = parse.GetValue(clientCa),
                ProjectKeys = CollectProjectKeys(
                    parse.GetValue(projectKeys),
                    environment(ProjectKeysVariable)),
            };
            var url = parse.GetValue(urls)!;
            if (parse.GetValue(retention) is { } retentionText)
            {
                if (!DurationText.TryParse(retentionText, out var kept))
                {
                    await error.WriteLineAsync($"rlog-server: --retention '{retentionText}' is not a duration such as 7d, 12h or 2w.")
                        .ConfigureAwait(false);
                    return UsageErrorExitCode;
                }

                options.Retention = kept;
            }

            var consoleError = ReadConsoleOptions(
                options.Console,
                parse.GetValue(consoleListen),
                parse.GetValue(viewerKeys),
                environment(ViewerKeysVariable),
                parse.GetValue(viewerKeysFile),
                parse.GetValue(consoleHosts),
                parse.GetValue(agentLate),
                parse.GetValue(agentDown),
                parse.GetValue(queryTimeout));
            if (consoleError is not null)
            {
                await error.WriteLineAsync($"rlog-server: {consoleError}").ConfigureAwait(false);
                return UsageErrorExitCode;
            }

            if (options.MetricsListen is { } listen)
            {
                try
                {
                    ListenAddress.Parse(listen);
                }
                catch (ArgumentException ex)
                {
                    await error.WriteLineAsync($"rlog-server: {ex.Message}").ConfigureAwait(false);
                    return UsageErrorExitCode;
                }
            }

            if (options.ProjectKeys.Count == 0)
            {
                await error.WriteLineAsync(
                    $"rlog-server: no project key: pass --project-key KEY or set {ProjectKeysVariable} (comma-separated).")
                    .ConfigureAwait(false);
                return UsageErrorExitCode;
            }

            if (parse.GetValue(checkConfig))
            {
                return await CheckAsync(options, url, parse.InvocationConfiguration.Output, error).ConfigureAwait(false);
            }

            if (ListenCheck.FindTakenPort(url) is { } taken)
            {
                await error.WriteLineAsync($"rlog-server: {taken}.").ConfigureAwait(false);
                return UsageErrorExitCode;
            }

            WebApplication app;
            try
            {
                app = RlogServerHost.Build(options, url);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                await error.WriteLineAsync($"rlog-server: {ex.Message}").ConfigureAwait(false);
                return UsageErrorExitCode;
            }
            catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException or TimeoutException)
            {
                await error.WriteLineAsync($"rlog-server: cannot open database {Describe(options.Database)}: {ex.Message}")
                    .ConfigureAwait(false);
                return UsageErrorExitCode;
            }

            await using (app.ConfigureAwait(false))
            {
                try
                {
                    // The host's console lifetime handles Ctrl+C and SIGTERM with an orderly stop.
                    await app.RunAsync().ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    await error.WriteLineAsync($"rlog-server: cannot listen on {url}: {ex.Message}").ConfigureAwait(false);
                    return UsageErrorExitCode;
                }
            }

            return 0;
        });

        return root;
    }

    // The console's settings from the command line and environment; an error message, or null.
    private static string? ReadConsoleOptions(
        ConsoleOptions console,
        string? listen,
        string[]? keys,
        string? keysFromEnvironment,
        string? keysFile,
        string[]? hosts,
        string? late,
        string? down,
        string? queryTimeout)
    {
        console.Listen = listen;
        var allKeys = new List<string>(CollectProjectKeys(keys?.SelectMany(k => k.Split(',')), keysFromEnvironment));
        if (keysFile is not null)
        {
            try
            {
                allKeys.AddRange(File.ReadAllLines(keysFile).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"--viewer-keys-file: cannot read {keysFile}: {ex.Message}";
            }
        }

        console.ViewerKeys = allKeys.Distinct(StringComparer.Ordinal).ToList();
        console.Hosts = (hosts ?? []).SelectMany(h => h.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var (name, text, set) in new (string, string?, Action<TimeSpan>)[]
        {
            ("--agent-late", late, t => console.AgentLate = t),
            ("--agent-down", down, t => console.AgentDown = t),
            ("--console-query-timeout", queryTimeout, t => console.QueryTimeout = t),
        })
        {
            if (text is null)
            {
                continue;
            }

            if (DurationText.TryParse(text, out var duration))
            {
                set(duration);
            }
            else if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                set(TimeSpan.FromSeconds(seconds));
            }
            else
            {
                return $"{name} '{text}' is not a duration such as 45s or 10m, or a number of seconds";
            }
        }

        if (listen is not null)
        {
            try
            {
                WebConsole.ConsoleListen.Parse(listen);
            }
            catch (ArgumentException ex)
            {
                return ex.Message;
            }
        }

        return null;
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. A usage error (an unknown argument, a
    /// bad value) is one line naming it and the command's usage line on stderr, exit 2, not the
    /// whole help.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, Func<string, string?>? environment = null)
    {
        var parsed = Create(environment).Parse(args);
        if (parsed.Errors.Count == 0)
        {
            return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
        }

        foreach (var problem in parsed.Errors)
        {
            await configuration.Error.WriteLineAsync($"rlog-server: {problem.Message}").ConfigureAwait(false);
        }

        var command = parsed.CommandResult.Command;
        var path = command is RootCommand ? "rlog-server" : $"rlog-server {command.Name}";
        var usage = command.Subcommands.Count > 0 ? $"{path} [command] [options]" : $"{path} [options]";
        await configuration.Error.WriteLineAsync($"Usage: {usage}  (see '{path} --help')").ConfigureAwait(false);
        return UsageErrorExitCode;
    }

    // --check-config: the same checks as a start, but the port and the database; then the
    // effective settings, secrets masked.
    private static async Task<int> CheckAsync(ServerOptions options, string url, TextWriter output, TextWriter error)
    {
        try
        {
            options.Validate();
            var expected = options.HasTls ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != expected)
            {
                throw new InvalidOperationException($"--urls: '{url}' is not an {expected}:// URL{(options.HasTls ? " (with --tls-cert)" : " (without --tls-cert)")}.");
            }

            DatabaseLocation.Parse(options.Database);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            await error.WriteLineAsync($"rlog-server: {ex.Message}").ConfigureAwait(false);
            return UsageErrorExitCode;
        }

        var console = options.Console;
        var settings = new (string Name, string Value)[]
        {
            ("urls", url),
            ("db", Describe(options.Database)),
            ("project keys", $"{options.ProjectKeys.Count} (masked)"),
            ("retention", options.Retention is { } kept ? $"{kept.TotalDays:0.##} days" : "none (keep everything)"),
            ("metrics listen", options.MetricsListen ?? "off"),
            ("access ttl", $"{options.AccessTokenLifetime.TotalSeconds} s"),
            ("refresh ttl", $"{options.RefreshTokenLifetime.TotalSeconds} s"),
            ("tls cert", options.TlsCertificatePath ?? "none (h2c)"),
            ("tls key", options.TlsKeyPath is null ? "none" : options.TlsKeyPath),
            ("client ca", options.ClientCaPath ?? "none"),
            ("console listen", console.Listen ?? "off"),
            ("viewer keys", $"{console.ViewerKeys.Count} (masked)"),
            ("console hosts", console.Hosts.Count == 0 ? "the listening address only" : string.Join(", ", console.Hosts)),
            ("agent late", $"{console.AgentLate.TotalSeconds} s"),
            ("agent down", $"{console.AgentDown.TotalSeconds} s"),
            ("query timeout", $"{console.QueryTimeout.TotalSeconds} s"),
        };
        foreach (var (name, value) in settings)
        {
            await output.WriteLineAsync($"{name,-16}{value}").ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The <c>--db</c> option; each command gets its own instance.</summary>
    public static Option<string> DatabaseOption(Func<string, string?> environment) => new("--db")
    {
        Description = $"The database: a SQLite file path, or postgresql://user:password@host:port/database (or an Npgsql 'Host=...' string). Also {DatabaseVariable}.",
        DefaultValueFactory = _ => environment(DatabaseVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : ServerOptions.DefaultDatabase,
    };

    /// <summary>The <c>-n</c> option of <c>tail</c> and <c>query</c>.</summary>
    public static Option<int> CountOption(int defaultValue) => new("-n", "--lines")
    {
        Description = "How many lines to print.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInt(result, minimum: 0, "-n must be a whole number of lines, 0 or more.", defaultValue),
    };

    /// <summary>
    /// Opens an existing database for reading commands: a missing SQLite file is an error (not
    /// created). Writes why to <paramref name="error"/> and returns null when it cannot.
    /// </summary>
    public static LogStore? OpenExisting(string database, TextWriter error)
    {
        try
        {
            var location = DatabaseLocation.Parse(database);
            if (location.Kind == StorageEngineKind.Sqlite && !File.Exists(location.ConnectionString))
            {
                error.WriteLine($"rlog-server: no database at {location.ConnectionString}");
                return null;
            }

            return new LogStore(location);
        }
        catch (Exception ex) when (ex is ArgumentException or DbException or IOException or TimeoutException or InvalidOperationException)
        {
            error.WriteLine($"rlog-server: cannot open database {Describe(database)}: {ex.Message}");
            return null;
        }
    }

    // Never print a DSN's password.
    private static string Describe(string database)
    {
        try
        {
            return DatabaseLocation.Parse(database).Display;
        }
        catch (ArgumentException)
        {
            return "(malformed --db)";
        }
    }

    /// <summary>Keys from the command line, then from the environment variable; blanks dropped, repeats once.</summary>
    public static List<string> CollectProjectKeys(IEnumerable<string>? fromArguments, string? fromEnvironment)
    {
        var keys = new List<string>();
        var fromVariable = (fromEnvironment ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var key in (fromArguments ?? []).Concat(fromVariable))
        {
            if (!string.IsNullOrWhiteSpace(key) && !keys.Contains(key, StringComparer.Ordinal))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private static Option<int> PositiveSecondsOption(string name, string description, TimeSpan defaultValue)
    {
        var seconds = (int)defaultValue.TotalSeconds;
        return new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => seconds,
            CustomParser = result => ParseInt(result, minimum: 1, $"{name} must be a positive whole number of seconds.", seconds),
        };
    }

    /// <summary>
    /// Parses an option's single token as an integer of at least <paramref name="minimum"/>,
    /// adding <paramref name="error"/> to the parse result otherwise (so the command exits non-zero).
    /// </summary>
    public static int ParseInt(ArgumentResult result, int minimum, string error, int defaultValue)
    {
        if (result.Tokens.Count == 0)
        {
            return defaultValue;
        }

        if (int.TryParse(result.Tokens[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value >= minimum)
        {
            return value;
        }

        result.AddError(error);
        return defaultValue;
    }
}
