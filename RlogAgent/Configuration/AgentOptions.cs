using Microsoft.Extensions.Logging;

namespace RlogAgent.Configuration;

/// <summary>
/// The agent's settings, as read from agent.yaml. Every default is a named constant and is
/// what a missing key means.
/// </summary>
public sealed class AgentOptions
{
    public const int DefaultBatchSize = 1000;
    public const double DefaultFlushIntervalSeconds = 10;
    public const double DefaultHeartbeatIntervalSeconds = 30;
    public const string DefaultStateDir = "state";
    public const double DefaultPollIntervalSeconds = 0.25;
    public const double DefaultRotateWaitSeconds = 5;
    public const int DefaultMaxLineBytes = 1024 * 1024;

    /// <summary>Smallest max_line_bytes accepted.</summary>
    public const int MaxLineBytesMinimum = 256;

    /// <summary>Largest max_line_bytes accepted: the contract's 4 MiB message limit.</summary>
    public const int MaxLineBytesLimit = 4 * 1024 * 1024;
    public const int DefaultMaxOpenFiles = 1024;
    public const double DefaultCommitIntervalSeconds = 1;
    public const int DefaultMaxUnconfirmedBatches = 16;
    public const long DefaultMaxBufferBytes = 16L * 1024 * 1024;
    public const double DefaultShutdownTimeoutSeconds = 10;
    public const double DefaultKeepaliveIntervalSeconds = 60;
    public const double DefaultKeepaliveTimeoutSeconds = 20;
    public const LogLevel DefaultLogLevel = LogLevel.Information;
    public const LogFormat DefaultLogFormat = LogFormat.Text;

    /// <summary>Path of the file these options came from; used to name it in errors. Not a YAML key.</summary>
    public string ConfigPath { get; set; } = "";

    /// <summary>The rlog server, <c>http://host:port</c> or <c>https://host:port</c>. Required.</summary>
    public string ServerAddr { get; set; } = "";

    /// <summary>The project key the agent registers with. Required. Never logged.</summary>
    public string ProjectKey { get; set; } = "";

    /// <summary>Lines per batch; a batch is also closed early at 3.5 MiB encoded. Default 1000.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>Seconds after which a partial batch is sent anyway. Default 10.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(DefaultFlushIntervalSeconds);

    /// <summary>Seconds between heartbeats. Default 30.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(DefaultHeartbeatIntervalSeconds);

    /// <summary>Folder for the agent's identity, refresh token and checkpoints. Default <c>state</c> (under the working directory).</summary>
    public string StateDir { get; set; } = DefaultStateDir;

    /// <summary>Where to start in a file that exists already when the agent first sees it. Default <see cref="ReadFrom.End"/>.</summary>
    public ReadFrom ReadFrom { get; set; } = ReadFrom.End;

    /// <summary>Seconds between checks of files and globs, the fallback where change notifications fail. Default 0.25.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(DefaultPollIntervalSeconds);

    /// <summary>Seconds a rotated-away or deleted file is kept open after its last new byte. Default 5.</summary>
    public TimeSpan RotateWait { get; set; } = TimeSpan.FromSeconds(DefaultRotateWaitSeconds);

    /// <summary>
    /// Longest line kept whole, in bytes of its text as sent (UTF-8, invalid bytes replaced); a longer
    /// one is shipped in pieces of at most this many bytes. 256 to 4 MiB; a piece is kept at most
    /// 4 MiB less 64 KiB so its message fits the limit. Default 1 MiB.
    /// </summary>
    public int MaxLineBytes { get; set; } = DefaultMaxLineBytes;

    /// <summary>Most files held open at once. Default 1024.</summary>
    public int MaxOpenFiles { get; set; } = DefaultMaxOpenFiles;

    /// <summary>Longest a Send call stays open before it is completed so the server confirms it. Default 1 s.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(DefaultCommitIntervalSeconds);

    /// <summary>Most batches written and not yet confirmed. Default 16.</summary>
    public int MaxUnconfirmedBatches { get; set; } = DefaultMaxUnconfirmedBatches;

    /// <summary>Most bytes of line text held in memory, read and not yet confirmed; readers wait beyond it. Default 16 MiB.</summary>
    public long MaxBufferBytes { get; set; } = DefaultMaxBufferBytes;

    /// <summary>Seconds the agent spends draining at SIGTERM or Ctrl+C before it gives up. Default 10.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(DefaultShutdownTimeoutSeconds);

    /// <summary>
    /// Seconds between HTTP/2 keepalive pings, sent only while a call is open. Default 60: servers
    /// built on grpc-go or grpc-java answer pings more often than every 5 minutes on an idle
    /// connection with GOAWAY <c>too_many_pings</c>, so the agent never pings without a call.
    /// </summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(DefaultKeepaliveIntervalSeconds);

    /// <summary>Seconds a keepalive ping may go unanswered before the connection counts as dead. Default 20.</summary>
    public TimeSpan KeepaliveTimeout { get; set; } = TimeSpan.FromSeconds(DefaultKeepaliveTimeoutSeconds);

    /// <summary>Compression of the log stream: <c>none</c> (default) or <c>gzip</c>.</summary>
    public string Compression { get; set; } = "none";

    /// <summary>TLS settings for an https:// server: private CA, client certificate. Default: system roots.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Least severe entry the agent logs: <c>trace</c>, <c>debug</c>, <c>information</c> (default),
    /// <c>warning</c> or <c>error</c>.
    /// </summary>
    public LogLevel LogLevel { get; set; } = DefaultLogLevel;

    /// <summary>Console log format: <c>text</c> (default) or <c>json</c>, one JSON object per line.</summary>
    public LogFormat LogFormat { get; set; } = DefaultLogFormat;

    /// <summary>The agent's own Prometheus endpoint. Default: off.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>
    /// Settings taken from <c>RLOG_*</c> environment variables rather than the file: key (as in
    /// agent.yaml, <c>tls.ca_file</c> for nested keys) to variable name. Not a YAML key.
    /// </summary>
    public Dictionary<string, string> EnvironmentOverrides { get; } = new(StringComparer.Ordinal);

    /// <summary>The files to ship.</summary>
    public List<SourceOptions> Sources { get; set; } = [];

    /// <summary>State folder resolved against the working directory.</summary>
    public string StateDirFullPath => System.IO.Path.GetFullPath(StateDir);
}
