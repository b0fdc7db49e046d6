using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Logging;

namespace RlogAgent.Configuration;

/// <summary>
/// Every single-valued setting of agent.yaml, in the order agent.yaml documents them and
/// <c>--check-config</c> prints them. A new scalar key is added here and nowhere else: the loader,
/// its <c>RLOG_*</c> override, validation, the printer and the first-run file all come from its entry.
/// </summary>
internal static class ScalarSettings
{
    /// <summary>The settings; the keys of a section (<c>tls.*</c>) stay together, as they are printed as one block.</summary>
    public static readonly IReadOnlyList<ScalarSetting> All =
    [
        ScalarSetting.Text("server_addr", o => o.ServerAddr, (o, v) => o.ServerAddr = v, ServerAddress) with { WrittenAtFirstRun = true },
        ScalarSetting.Text("project_key", o => o.ProjectKey, (o, v) => o.ProjectKey = v, Required) with { IsSecret = true, WrittenAtFirstRun = true },
        ScalarSetting.Whole("batch_size", o => o.BatchSize, (o, v) => o.BatchSize = v, Between(1, 100_000)) with { WrittenAtFirstRun = true },
        ScalarSetting.Duration("flush_interval", o => o.FlushInterval, (o, v) => o.FlushInterval = v, 0.01, 3600.0) with { WrittenAtFirstRun = true },
        ScalarSetting.Duration("heartbeat_interval", o => o.HeartbeatInterval, (o, v) => o.HeartbeatInterval = v, 0.1, 86_400.0) with { WrittenAtFirstRun = true },
        ScalarSetting.Text("state_dir", o => o.StateDir, (o, v) => o.StateDir = v, NotEmpty) with { WrittenAtFirstRun = true },
        ScalarSetting.Choice("read_from", o => o.ReadFrom, (o, v) => o.ReadFrom = v, ParseReadFrom, ReadFromName) with { WrittenAtFirstRun = true },
        ScalarSetting.Duration("poll_interval", o => o.PollInterval, (o, v) => o.PollInterval = v, 0.01, 3600.0),
        ScalarSetting.Duration("rotate_wait", o => o.RotateWait, (o, v) => o.RotateWait = v, 0.0, 86_400.0),
        ScalarSetting.Whole("max_line_bytes", o => o.MaxLineBytes, (o, v) => o.MaxLineBytes = v, LineBytesInRange),
        ScalarSetting.Whole("max_open_files", o => o.MaxOpenFiles, (o, v) => o.MaxOpenFiles = v, Between(1, 1_048_576)),
        ScalarSetting.Duration("commit_interval", o => o.CommitInterval, (o, v) => o.CommitInterval = v, 0.01, 3600.0),
        ScalarSetting.Whole("max_unconfirmed_batches", o => o.MaxUnconfirmedBatches, (o, v) => o.MaxUnconfirmedBatches = v, Between(1, 10_000)),
        ScalarSetting.WholeLong("max_buffer_bytes", o => o.MaxBufferBytes, (o, v) => o.MaxBufferBytes = v, TwiceMaxLineBytes),
        ScalarSetting.Duration("shutdown_timeout", o => o.ShutdownTimeout, (o, v) => o.ShutdownTimeout = v, 0.1, 3600.0),
        ScalarSetting.Duration("keepalive_interval", o => o.KeepaliveInterval, (o, v) => o.KeepaliveInterval = v, 1.0, 86_400.0) with
        {
            WrittenAtFirstRun = true,
            FirstRunNote = "HTTP/2 keepalive pings, only while a call is open (servers refuse frequent pings).",
        },
        ScalarSetting.Duration("keepalive_timeout", o => o.KeepaliveTimeout, (o, v) => o.KeepaliveTimeout = v, 1.0, 3600.0) with { WrittenAtFirstRun = true },
        ScalarSetting.Text("compression", o => o.Compression, (o, v) => o.Compression = v, Compression),
        ScalarSetting.Choice("log_level", o => o.LogLevel, (o, v) => o.LogLevel = v, ParseLogLevel, LogLevelName),
        ScalarSetting.Choice("log_format", o => o.LogFormat, (o, v) => o.LogFormat = v, ParseLogFormat, LogFormatName),
        ScalarSetting.OptionalText("tls.ca_file", o => o.Tls.CaFile, (o, v) => o.Tls.CaFile = v, FileExists),
        ScalarSetting.OptionalText("tls.cert_file", o => o.Tls.CertFile, (o, v) => o.Tls.CertFile = v, FileExists),
        ScalarSetting.OptionalText("tls.key_file", o => o.Tls.KeyFile, (o, v) => o.Tls.KeyFile = v, FileExists),
        ScalarSetting.OptionalText("metrics.listen", o => o.Metrics.Enabled ? o.Metrics.Listen : null, (o, v) => o.Metrics.Listen = v, MetricsListen),
    ];

    /// <summary>What a section with none of its keys set means, printed as <c>tls: {}    # ...</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> UnsetSectionNotes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["tls"] = "system roots, no client certificate",
        ["metrics"] = "off",
    };

    private static readonly Dictionary<string, ScalarSetting> ByKey = All.ToDictionary(s => s.Key, StringComparer.Ordinal);

    /// <summary>The setting of a key (<c>tls.ca_file</c> for a section's key), or null when there is none.</summary>
    public static ScalarSetting? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>
    /// The settings as agent.yaml lays them out: a top-level key alone (section null), or a section
    /// with its keys, in table order.
    /// </summary>
    public static IEnumerable<(string? Section, IReadOnlyList<ScalarSetting> Settings)> Blocks(IEnumerable<ScalarSetting> settings)
    {
        List<ScalarSetting>? open = null;
        foreach (var setting in settings)
        {
            if (open is not null && open[0].Section != setting.Section)
            {
                yield return (open[0].Section, open);
                open = null;
            }

            if (setting.Section is null)
            {
                yield return (null, [setting]);
            }
            else
            {
                (open ??= []).Add(setting);
            }
        }

        if (open is not null)
        {
            yield return (open[0].Section, open);
        }
    }

    /// <summary>True when <paramref name="key"/> names a section (<c>tls</c>, <c>metrics</c>) rather than a value.</summary>
    public static bool IsSection(string key) => All.Any(s => s.Section == key);

    /// <summary>The keys of a section as an error message lists them: <c>ca_file, cert_file, key_file</c>.</summary>
    public static string SectionKeys(string section) =>
        string.Join(", ", All.Where(s => s.Section == section).Select(s => s.Name));

    private static string? Required(AgentOptions o, string value) =>
        string.IsNullOrWhiteSpace(value) ? "is required" : null;

    private static string? ServerAddress(AgentOptions o, string value) =>
        string.IsNullOrWhiteSpace(value) ? "is required"
        : !ConfigLoader.TryServerUri(value, out _) ? $"'{value}' is not an http:// or https:// address with a host"
        : null;

    private static string? NotEmpty(AgentOptions o, string value) =>
        string.IsNullOrWhiteSpace(value) ? "must not be empty" : null;

    /// <summary>
    /// Every number has a range: past it a duration overflows (1e300 s) or spins a core (1e-9 s),
    /// and a count asks for more than the server or the machine can give. The README's settings
    /// table lists the same ranges.
    /// </summary>
    private static Func<AgentOptions, T, string?> Between<T>(T min, T max)
        where T : INumber<T> =>
        (_, value) => value >= min && value <= max
            ? null
            : $"must be from {min.ToString(null, CultureInfo.InvariantCulture)} to {max.ToString(null, CultureInfo.InvariantCulture)}, not {value.ToString(null, CultureInfo.InvariantCulture)}";

    private static string? LineBytesInRange(AgentOptions o, int value) =>
        value is >= AgentOptions.MaxLineBytesMinimum and <= AgentOptions.MaxLineBytesLimit
            ? null
            : $"must be from {AgentOptions.MaxLineBytesMinimum} to {AgentOptions.MaxLineBytesLimit} (4 MiB, the message limit), not {value}";

    // A buffer smaller than two lines would stall a reader holding one long line while another waits.
    private static string? TwiceMaxLineBytes(AgentOptions o, long value) =>
        value < 2L * o.MaxLineBytes ? $"must be at least twice max_line_bytes ({2L * o.MaxLineBytes}), not {value}"
        : value > MaxBufferBytesLimit ? $"must be at most {MaxBufferBytesLimit} (16 GiB), not {value}"
        : null;

    /// <summary>Most max_buffer_bytes: 16 GiB.</summary>
    private const long MaxBufferBytesLimit = 16L * 1024 * 1024 * 1024;

    private static string? Compression(AgentOptions o, string value) =>
        value is "none" or "gzip" ? null : $"must be 'none' or 'gzip', not '{value}'";

    private static string? FileExists(AgentOptions o, string path) =>
        File.Exists(path) ? null : $"no such file: {path}";

    private static string? MetricsListen(AgentOptions o, string value) =>
        ListenAddress.TryParse(value, out _) ? null : $"'{value}' is not host:port, :port or a port (1-65535)";

    private static ReadFrom ParseReadFrom(string text, SettingOrigin at) => text switch
    {
        "end" => ReadFrom.End,
        "beginning" => ReadFrom.Beginning,
        _ => throw at.Fail($"must be 'end' or 'beginning', not '{text}'"),
    };

    private static string ReadFromName(ReadFrom value) => value == ReadFrom.Beginning ? "beginning" : "end";

    // The names users type from other tools too (info, warn, fatal), in any case.
    private static LogLevel ParseLogLevel(string text, SettingOrigin at) => text.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" or "fatal" => LogLevel.Critical,
        _ => throw at.Fail($"must be trace, debug, info (information), warn (warning), error or critical (fatal), not '{text}'"),
    };

    private static string LogLevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "information",
    };

    private static LogFormat ParseLogFormat(string text, SettingOrigin at) => text switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw at.Fail($"must be 'text' or 'json', not '{text}'"),
    };

    private static string LogFormatName(LogFormat value) => value == LogFormat.Json ? "json" : "text";
}
