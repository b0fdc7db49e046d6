namespace RlogServer.Configuration;

/// <summary>
/// Settings of one rlog ingestion server. Plain defaults here; the command line and the
/// environment override them; <see cref="Validate"/> runs once before the server is built.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Default for <see cref="Database"/>: <c>rlog.db</c> in the working directory.</summary>
    public const string DefaultDatabase = "rlog.db";

    /// <summary>Default for <see cref="AuthRequestsPerSecond"/>.</summary>
    public const int DefaultAuthRequestsPerSecond = 20;

    /// <summary>Default for <see cref="AuthBurst"/>.</summary>
    public const int DefaultAuthBurst = 200;

    /// <summary>How often retention runs when <see cref="Retention"/> is set: hourly.</summary>
    public static readonly TimeSpan RetentionSweepInterval = TimeSpan.FromHours(1);

    /// <summary>Default for <see cref="AccessTokenLifetime"/>: 15 minutes.</summary>
    public static readonly TimeSpan DefaultAccessTokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>Default for <see cref="RefreshTokenLifetime"/>: 30 days.</summary>
    public static readonly TimeSpan DefaultRefreshTokenLifetime = TimeSpan.FromDays(30);

    /// <summary>
    /// Largest gRPC message the server reads: 8 MiB, twice the 4 MiB an agent keeps each
    /// <c>LogBatch</c> under, so a batch at the limit is never refused for its size.
    /// </summary>
    public const int MaxReceiveMessageBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Project keys an agent may register with. At least one is required; there is no default.
    /// </summary>
    public IList<string> ProjectKeys { get; set; } = new List<string>();

    /// <summary>
    /// The database: a SQLite file path (created when missing), or a PostgreSQL DSN
    /// (<c>postgresql://user:password@host:port/database</c>, or <c>Host=...</c>). Default <c>rlog.db</c>.
    /// </summary>
    public string Database { get; set; } = DefaultDatabase;

    /// <summary>
    /// Lines, heartbeats and spent tokens older than this are removed (hourly). Default: none,
    /// everything is kept.
    /// </summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>
    /// Where to serve Prometheus metrics (<c>http://ADDRESS/metrics</c>), for example
    /// <c>127.0.0.1:9465</c>. Default: none.
    /// </summary>
    public string? MetricsListen { get; set; }

    /// <summary>Register and Refresh calls allowed per second from one peer address, on average. Default 20.</summary>
    public int AuthRequestsPerSecond { get; set; } = DefaultAuthRequestsPerSecond;

    /// <summary>Register and Refresh calls one peer address may make at once before the rate applies. Default 200.</summary>
    public int AuthBurst { get; set; } = DefaultAuthBurst;

    /// <summary>
    /// Whether agents get a secret at registration, without which their uuid is not handed out
    /// again. Default true. False behaves as servers did before secrets: re-registration by uuid
    /// alone (one host can then write under another's identity); kept for tests of agents
    /// against such servers.
    /// </summary>
    public bool IssueAgentSecrets { get; set; } = true;

    /// <summary>Field sizes and counts accepted in a batch.</summary>
    public IngestLimits Limits { get; set; } = new();

    /// <summary>How long an access token is accepted after it is issued. Default 15 minutes.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = DefaultAccessTokenLifetime;

    /// <summary>How long a refresh token may be exchanged after it is issued. Default 30 days.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = DefaultRefreshTokenLifetime;

    /// <summary>PEM certificate the server presents on https:// URLs. Default: none (h2c only).</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificatePath"/>. Default: none.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>PEM CA certificate: when set, agents must present a client certificate it signed (mutual TLS). Default: none.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>The console and its API (<c>--console-listen</c>); off unless <see cref="ConsoleOptions.Listen"/> is set.</summary>
    public ConsoleOptions Console { get; set; } = new();

    /// <summary>True when the server has a certificate to serve https:// with.</summary>
    public bool HasTls => TlsCertificatePath is not null;

    /// <summary>
    /// Checks every setting and throws <see cref="InvalidOperationException"/> naming the first
    /// field that is wrong and why.
    /// </summary>
    public void Validate()
    {
        if (ProjectKeys is null || ProjectKeys.Count == 0)
        {
            throw new InvalidOperationException(
                "--project-key: no project key is configured; pass --project-key KEY or set RLOG_PROJECT_KEYS.");
        }

        if (ProjectKeys.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException("--project-key: a project key is empty.");
        }

        if (string.IsNullOrWhiteSpace(Database))
        {
            throw new InvalidOperationException("--db: the database is empty; pass a SQLite file path or a postgresql:// DSN.");
        }

        if (Retention is { } retention && retention <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"--retention: must be positive, was {retention}.");
        }

        if (AuthRequestsPerSecond <= 0 || AuthBurst <= 0)
        {
            throw new InvalidOperationException("AuthRequestsPerSecond, AuthBurst (settings of the server's host): must be positive.");
        }

        if (AccessTokenLifetime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"--access-ttl: must be a positive number of seconds, was {AccessTokenLifetime.TotalSeconds}.");
        }

        if (RefreshTokenLifetime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"--refresh-ttl: must be a positive number of seconds, was {RefreshTokenLifetime.TotalSeconds}.");
        }

        if ((TlsCertificatePath is null) != (TlsKeyPath is null))
        {
            throw new InvalidOperationException("--tls-cert, --tls-key: give both, or neither.");
        }

        if (ClientCaPath is not null && TlsCertificatePath is null)
        {
            throw new InvalidOperationException("--client-ca: mutual TLS needs --tls-cert and --tls-key too.");
        }

        Console.Validate(ProjectKeys);
        foreach (var (field, path) in new[] { ("--tls-cert", TlsCertificatePath), ("--tls-key", TlsKeyPath), ("--client-ca", ClientCaPath) })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new InvalidOperationException($"{field}: no such file: {path}");
            }
        }
    }
}
