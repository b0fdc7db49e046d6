using System.Globalization;
using Microsoft.Extensions.Logging;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RlogAgent.Configuration;

/// <summary>
/// Reads agent.yaml into <see cref="AgentOptions"/> and validates it once. Works on YamlDotNet's
/// node model rather than its reflection serializer: it stays NativeAOT-safe and every error can
/// name the line of the offending key. Unknown keys are errors, so a typo is never silently a default.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Environment variables the very first run takes when there is no config file yet.</summary>
    public const string ServerAddrVariable = "SERVER_ADDR";
    public const string ProjectKeyVariable = "PROJECT_KEY";

    /// <summary>Where agent.yaml is looked for without --config, relative to the working directory.</summary>
    public static readonly string DefaultConfigPath = Path.Combine("config", "agent.yaml");

    /// <summary>
    /// Every single-valued setting, in the order agent.yaml documents them. Each is read from the
    /// file and may be overridden by its <c>RLOG_*</c> variable; keep a new scalar key here so it gets both.
    /// </summary>
    private static readonly ScalarSetting[] Scalars =
    [
        new("server_addr", (o, v, _) => o.ServerAddr = v),
        new("project_key", (o, v, _) => o.ProjectKey = v),
        new("batch_size", (o, v, at) => o.BatchSize = Int(v, at)),
        new("flush_interval", (o, v, at) => o.FlushInterval = Seconds(v, at)),
        new("heartbeat_interval", (o, v, at) => o.HeartbeatInterval = Seconds(v, at)),
        new("state_dir", (o, v, _) => o.StateDir = v),
        new("read_from", (o, v, at) => o.ReadFrom = ParseReadFrom(v, at)),
        new("poll_interval", (o, v, at) => o.PollInterval = Seconds(v, at)),
        new("rotate_wait", (o, v, at) => o.RotateWait = Seconds(v, at)),
        new("max_line_bytes", (o, v, at) => o.MaxLineBytes = Int(v, at)),
        new("max_open_files", (o, v, at) => o.MaxOpenFiles = Int(v, at)),
        new("commit_interval", (o, v, at) => o.CommitInterval = Seconds(v, at)),
        new("max_unconfirmed_batches", (o, v, at) => o.MaxUnconfirmedBatches = Int(v, at)),
        new("max_buffer_bytes", (o, v, at) => o.MaxBufferBytes = Long(v, at)),
        new("shutdown_timeout", (o, v, at) => o.ShutdownTimeout = Seconds(v, at)),
        new("keepalive_interval", (o, v, at) => o.KeepaliveInterval = Seconds(v, at)),
        new("keepalive_timeout", (o, v, at) => o.KeepaliveTimeout = Seconds(v, at)),
        new("compression", (o, v, _) => o.Compression = v),
        new("log_level", (o, v, at) => o.LogLevel = ParseLogLevel(v, at)),
        new("log_format", (o, v, at) => o.LogFormat = ParseLogFormat(v, at)),
        new("tls.ca_file", (o, v, _) => o.Tls.CaFile = v),
        new("tls.cert_file", (o, v, _) => o.Tls.CertFile = v),
        new("tls.key_file", (o, v, _) => o.Tls.KeyFile = v),
        new("metrics.listen", (o, v, _) => o.Metrics.Listen = v),
    ];

    /// <summary>Every scalar key (nested ones as <c>section.key</c>) with the variable that overrides it.</summary>
    public static IEnumerable<(string Key, string Variable)> EnvironmentOverrideVariables =>
        Scalars.Select(s => (s.Key, s.EnvironmentVariable));

    /// <summary>
    /// Loads agent.yaml when it exists; otherwise a first run from <c>SERVER_ADDR</c> and
    /// <c>PROJECT_KEY</c> (<c>FirstRun</c> true), or a <see cref="ConfigException"/> saying how to start.
    /// </summary>
    public static (AgentOptions Options, bool FirstRun) LoadOrFirstRun(string path, Func<string, string?> getVariable)
    {
        if (File.Exists(path))
        {
            return (LoadFile(path, getVariable), false);
        }

        var options = FromEnvironment(path, getVariable)
            ?? throw new ConfigException(path, "", $"no such file; on a first run set {ServerAddrVariable} and {ProjectKeyVariable} to create it");
        return (options, true);
    }

    /// <summary>Reads the file, substitutes <c>${VAR}</c>, parses, applies <c>RLOG_*</c> overrides, validates.</summary>
    public static AgentOptions LoadFile(string path, Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "", $"cannot read the file: {e.Message}");
        }

        var options = Parse(VariableSubstitution.Apply(text, path, getVariable), path);
        ApplyEnvironmentOverrides(options, getVariable);
        Validate(options);
        return options;
    }

    /// <summary>Builds options for a first run from the environment, or returns null when the variables are not both set.</summary>
    public static AgentOptions? FromEnvironment(string configPath, Func<string, string?> getVariable)
    {
        var server = getVariable(ServerAddrVariable);
        var key = getVariable(ProjectKeyVariable);
        if (string.IsNullOrWhiteSpace(server) || string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var options = new AgentOptions { ConfigPath = configPath, ServerAddr = server.Trim(), ProjectKey = key.Trim() };
        ApplyEnvironmentOverrides(options, getVariable);
        Validate(options);
        return options;
    }

    /// <summary>
    /// Sets every scalar whose <c>RLOG_*</c> variable is set and not empty (surrounding white space
    /// trimmed, as a mounted secret often ends in a newline). A bad value's error names the variable.
    /// </summary>
    public static void ApplyEnvironmentOverrides(AgentOptions options, Func<string, string?> getVariable)
    {
        foreach (var setting in Scalars)
        {
            var text = getVariable(setting.EnvironmentVariable)?.Trim();
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            setting.Apply(options, text, new SettingOrigin(options.ConfigPath, $"{setting.Key} (from {setting.EnvironmentVariable})", 0));
            options.EnvironmentOverrides[setting.Key] = setting.EnvironmentVariable;
        }
    }

    public static AgentOptions Parse(string text, string path)
    {
        var options = new AgentOptions { ConfigPath = path };
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, "", $"not valid YAML: {e.Message}", e.Start.Line);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new ConfigException(path, "", "the file is empty");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException(path, "", "the top level must be a mapping of settings", stream.Documents[0].RootNode.Start.Line);
        }

        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "sources": options.Sources = ParseSources(path, value); break;
                case "tls": ParseSection(path, key, value, options, "ca_file, cert_file, key_file"); break;
                case "metrics": ParseSection(path, key, value, options, "listen"); break;
                default: ApplyScalar(path, key, keyNode, value, options); break;
            }
        }

        return options;
    }

    /// <summary>
    /// Checks every field once; the first problem found is thrown, naming file and field, and the
    /// environment variable when the value came from one.
    /// </summary>
    public static void Validate(AgentOptions o)
    {
        try
        {
            ValidateCore(o);
        }
        catch (ConfigException e) when (o.EnvironmentOverrides.TryGetValue(e.Field, out var variable))
        {
            throw new ConfigException(e.File, $"{e.Field} (from {variable})", e.Problem);
        }
    }

    private static void ValidateCore(AgentOptions o)
    {
        var file = o.ConfigPath;
        if (string.IsNullOrWhiteSpace(o.ServerAddr))
        {
            throw new ConfigException(file, "server_addr", "is required");
        }

        if (!TryServerUri(o.ServerAddr, out _))
        {
            throw new ConfigException(file, "server_addr", $"'{o.ServerAddr}' is not an http:// or https:// address with a host");
        }

        if (string.IsNullOrWhiteSpace(o.ProjectKey))
        {
            throw new ConfigException(file, "project_key", "is required");
        }

        Positive(file, "batch_size", o.BatchSize);
        Positive(file, "flush_interval", o.FlushInterval);
        Positive(file, "heartbeat_interval", o.HeartbeatInterval);
        Positive(file, "poll_interval", o.PollInterval);
        NotNegative(file, "rotate_wait", o.RotateWait);
        Positive(file, "commit_interval", o.CommitInterval);
        Positive(file, "max_unconfirmed_batches", o.MaxUnconfirmedBatches);
        Positive(file, "shutdown_timeout", o.ShutdownTimeout);
        Positive(file, "keepalive_interval", o.KeepaliveInterval);
        Positive(file, "keepalive_timeout", o.KeepaliveTimeout);
        Positive(file, "max_open_files", o.MaxOpenFiles);
        if (o.MaxLineBytes < 256 || o.MaxLineBytes > AgentOptions.MaxLineBytesLimit)
        {
            throw new ConfigException(file, "max_line_bytes", $"must be from 256 to {AgentOptions.MaxLineBytesLimit} (4 MiB, the message limit), not {o.MaxLineBytes}");
        }

        if (o.MaxBufferBytes < 2L * o.MaxLineBytes)
        {
            throw new ConfigException(file, "max_buffer_bytes", $"must be at least twice max_line_bytes ({2L * o.MaxLineBytes}), not {o.MaxBufferBytes}");
        }

        if (string.IsNullOrWhiteSpace(o.StateDir))
        {
            throw new ConfigException(file, "state_dir", "must not be empty");
        }

        if (o.Compression is not ("none" or "gzip"))
        {
            throw new ConfigException(file, "compression", $"must be 'none' or 'gzip', not '{o.Compression}'");
        }

        if (o.Metrics.Enabled && !ListenAddress.TryParse(o.Metrics.Listen, out _))
        {
            throw new ConfigException(file, "metrics.listen", $"'{o.Metrics.Listen}' is not host:port, :port or a port (1-65535)");
        }

        ValidateTls(o);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Sources.Count; i++)
        {
            var s = o.Sources[i];
            if (string.IsNullOrWhiteSpace(s.Label))
            {
                throw new ConfigException(file, $"sources[{i}].label", "is required");
            }

            if (string.IsNullOrWhiteSpace(s.Path))
            {
                throw new ConfigException(file, $"sources[{i}].path", "is required");
            }

            if (!labels.Add(s.Label + "\0" + s.Path))
            {
                throw new ConfigException(file, $"sources[{i}]", $"label '{s.Label}' with path '{s.Path}' is listed twice");
            }
        }
    }

    private static void ValidateTls(AgentOptions o)
    {
        var tls = o.Tls;
        if (tls.CaFile is null && tls.CertFile is null && tls.KeyFile is null)
        {
            return;
        }

        TryServerUri(o.ServerAddr, out var uri);
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ConfigException(o.ConfigPath, "tls", "is set, but server_addr is not an https:// address");
        }

        if ((tls.CertFile is null) != (tls.KeyFile is null))
        {
            throw new ConfigException(o.ConfigPath, tls.CertFile is null ? "tls.cert_file" : "tls.key_file", "mutual TLS needs both tls.cert_file and tls.key_file");
        }

        foreach (var (field, file) in new[] { ("tls.ca_file", tls.CaFile), ("tls.cert_file", tls.CertFile), ("tls.key_file", tls.KeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new ConfigException(o.ConfigPath, field, $"no such file: {file}");
            }
        }
    }

    /// <summary>Accepts <c>http://h:p</c>, <c>https://h:p</c>, or a bare <c>h:p</c> (taken as http).</summary>
    public static bool TryServerUri(string address, out Uri uri)
    {
        var text = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            && !string.IsNullOrEmpty(parsed.Host))
        {
            uri = parsed;
            return true;
        }

        uri = null!;
        return false;
    }

    private static void ApplyScalar(string path, string key, YamlNode keyNode, YamlNode value, AgentOptions options)
    {
        var setting = Array.Find(Scalars, s => s.Key == key)
            ?? throw new ConfigException(path, key, "unknown setting", keyNode.Start.Line);
        setting.Apply(options, Scalar(path, key, value), new SettingOrigin(path, key, value.Start.Line));
    }

    /// <summary>A mapping of scalars such as <c>tls</c> or <c>metrics</c>; empty or null leaves the defaults.</summary>
    private static void ParseSection(string path, string section, YamlNode value, AgentOptions options, string keys)
    {
        if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return;
        }

        if (value is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, section, $"must be a mapping of {keys}", value.Start.Line);
        }

        foreach (var (keyNode, item) in mapping.Children)
        {
            ApplyScalar(path, $"{section}.{((YamlScalarNode)keyNode).Value}", keyNode, item, options);
        }
    }

    private static List<SourceOptions> ParseSources(string path, YamlNode value)
    {
        if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return [];
        }

        if (value is not YamlSequenceNode sequence)
        {
            throw new ConfigException(path, "sources", "must be a list of {label, path} entries", value.Start.Line);
        }

        var sources = new List<SourceOptions>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var field = $"sources[{i}]";
            if (sequence.Children[i] is not YamlMappingNode entry)
            {
                throw new ConfigException(path, field, "must be a mapping with label and path", sequence.Children[i].Start.Line);
            }

            var source = new SourceOptions();
            foreach (var (keyNode, item) in entry.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                switch (key)
                {
                    case "label": source.Label = Scalar(path, $"{field}.label", item); break;
                    case "path": source.Path = Scalar(path, $"{field}.path", item); break;
                    case "exclude": source.Exclude = StringList(path, $"{field}.exclude", item); break;
                    default: throw new ConfigException(path, $"{field}.{key}", "unknown setting", keyNode.Start.Line);
                }
            }

            sources.Add(source);
        }

        return sources;
    }

    private static List<string> StringList(string path, string field, YamlNode node)
    {
        return node switch
        {
            YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => [s.Value],
            YamlSequenceNode seq => seq.Children.Select(c => Scalar(path, field, c)).ToList(),
            _ => throw new ConfigException(path, field, "must be a pattern or a list of patterns", node.Start.Line),
        };
    }

    private static string Scalar(string path, string field, YamlNode node)
    {
        if (node is not YamlScalarNode scalar)
        {
            throw new ConfigException(path, field, "must be a single value", node.Start.Line);
        }

        return scalar.Value ?? "";
    }

    private static int Int(string text, SettingOrigin at) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw at.Fail($"'{text}' is not a whole number");

    private static long Long(string text, SettingOrigin at) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw at.Fail($"'{text}' is not a whole number");

    private static double Seconds(string text, SettingOrigin at) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw at.Fail($"'{text}' is not a number of seconds");

    private static ReadFrom ParseReadFrom(string text, SettingOrigin at) => text switch
    {
        "end" => ReadFrom.End,
        "beginning" => ReadFrom.Beginning,
        _ => throw at.Fail($"must be 'end' or 'beginning', not '{text}'"),
    };

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

    private static LogFormat ParseLogFormat(string text, SettingOrigin at) => text switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw at.Fail($"must be 'text' or 'json', not '{text}'"),
    };

    private static void Positive(string file, string field, double value)
    {
        if (value <= 0)
        {
            throw new ConfigException(file, field, $"must be greater than 0, not {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void NotNegative(string file, string field, double value)
    {
        if (value < 0)
        {
            throw new ConfigException(file, field, $"must not be negative, not {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
