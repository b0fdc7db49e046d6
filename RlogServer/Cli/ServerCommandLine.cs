using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using RlogServer.Configuration;
using RlogServer.Hosting;

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
        var database = DatabaseOption();
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

        var root = new RootCommand("rlog-server: the reference rlog ingestion server (gRPC, SQLite).")
        {
            urls,
            database,
            projectKeys,
            accessTtl,
            refreshTtl,
            tlsCert,
            tlsKey,
            clientCa,
            StatsCommand.Create(),
            TailCommand.Create(),
        };

        root.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var options = new ServerOptions
            {
                DatabasePath = parse.GetValue(database)!,
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
            if (options.ProjectKeys.Count == 0)
            {
                await error.WriteLineAsync(
                    $"rlog-server: no project key: pass --project-key KEY or set {ProjectKeysVariable} (comma-separated).")
                    .ConfigureAwait(false);
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
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"rlog-server: cannot open database {options.DatabasePath}: {ex.Message}")
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
                    return 1;
                }
            }

            return 0;
        });

        return root;
    }

    /// <summary>The <c>--db</c> option; each command gets its own instance.</summary>
    public static Option<string> DatabaseOption() => new("--db")
    {
        Description = "Path of the SQLite database.",
        DefaultValueFactory = _ => ServerOptions.DefaultDatabasePath,
    };

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
