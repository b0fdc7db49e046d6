using System.Globalization;
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

    public static AgentOptions LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "", $"cannot read the file: {e.Message}");
        }

        var options = Parse(text, path);
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
        Validate(options);
        return options;
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
            var line = keyNode.Start.Line;
            switch (key)
            {
                case "server_addr": options.ServerAddr = Scalar(path, key, value); break;
                case "project_key": options.ProjectKey = Scalar(path, key, value); break;
                case "batch_size": options.BatchSize = Int(path, key, value); break;
                case "flush_interval": options.FlushInterval = Seconds(path, key, value); break;
                case "heartbeat_interval": options.HeartbeatInterval = Seconds(path, key, value); break;
                case "state_dir": options.StateDir = Scalar(path, key, value); break;
                case "read_from": options.ReadFrom = ParseReadFrom(path, key, value); break;
                case "poll_interval": options.PollInterval = Seconds(path, key, value); break;
                case "rotate_wait": options.RotateWait = Seconds(path, key, value); break;
                case "max_line_bytes": options.MaxLineBytes = Int(path, key, value); break;
                case "max_open_files": options.MaxOpenFiles = Int(path, key, value); break;
                case "commit_interval": options.CommitInterval = Seconds(path, key, value); break;
                case "max_unconfirmed_batches": options.MaxUnconfirmedBatches = Int(path, key, value); break;
                case "max_buffer_bytes": options.MaxBufferBytes = Long(path, key, value); break;
                case "shutdown_timeout": options.ShutdownTimeout = Seconds(path, key, value); break;
                case "compression": options.Compression = Scalar(path, key, value); break;
                case "sources": options.Sources = ParseSources(path, value); break;
                case "tls": options.Tls = ParseTls(path, value); break;
                default: throw new ConfigException(path, key, "unknown setting", line);
            }
        }

        return options;
    }

    /// <summary>Checks every field once; the first problem found is thrown, naming file and field.</summary>
    public static void Validate(AgentOptions o)
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
        Positive(file, "max_open_files", o.MaxOpenFiles);
        if (o.MaxLineBytes < 256)
        {
            throw new ConfigException(file, "max_line_bytes", $"must be at least 256, not {o.MaxLineBytes}");
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

    private static TlsOptions ParseTls(string path, YamlNode value)
    {
        var tls = new TlsOptions();
        if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return tls;
        }

        if (value is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, "tls", "must be a mapping of ca_file, cert_file, key_file", value.Start.Line);
        }

        foreach (var (keyNode, item) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "ca_file": tls.CaFile = Scalar(path, "tls.ca_file", item); break;
                case "cert_file": tls.CertFile = Scalar(path, "tls.cert_file", item); break;
                case "key_file": tls.KeyFile = Scalar(path, "tls.key_file", item); break;
                default: throw new ConfigException(path, $"tls.{key}", "unknown setting", keyNode.Start.Line);
            }
        }

        return tls;
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

    private static int Int(string path, string field, YamlNode node)
    {
        var text = Scalar(path, field, node);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ConfigException(path, field, $"'{text}' is not a whole number", node.Start.Line);
    }

    private static long Long(string path, string field, YamlNode node)
    {
        var text = Scalar(path, field, node);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ConfigException(path, field, $"'{text}' is not a whole number", node.Start.Line);
    }

    private static double Seconds(string path, string field, YamlNode node)
    {
        var text = Scalar(path, field, node);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new ConfigException(path, field, $"'{text}' is not a number of seconds", node.Start.Line);
    }

    private static ReadFrom ParseReadFrom(string path, string field, YamlNode node)
    {
        return Scalar(path, field, node) switch
        {
            "end" => ReadFrom.End,
            "beginning" => ReadFrom.Beginning,
            var other => throw new ConfigException(path, field, $"must be 'end' or 'beginning', not '{other}'", node.Start.Line),
        };
    }

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
