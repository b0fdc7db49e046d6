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

    /// <summary>Every scalar key (nested ones as <c>section.key</c>) with the variable that overrides it.</summary>
    public static IEnumerable<(string Key, string Variable)> EnvironmentOverrideVariables =>
        ScalarSettings.All.Select(s => (s.Key, s.EnvironmentVariable));

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

        ThrowIfFolder(path);

        var options = FromEnvironment(path, getVariable)
            ?? throw new ConfigException(path, "", $"no such file; on a first run set {ServerAddrVariable} and {ProjectKeyVariable} to create it");
        return (options, true);
    }

    /// <summary>Reads the file, substitutes <c>${VAR}</c>, parses, applies <c>RLOG_*</c> overrides, validates.</summary>
    public static AgentOptions LoadFile(string path, Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        ThrowIfFolder(path);
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

    private static void ThrowIfFolder(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ConfigException(path, "", "is a folder, not a file: give --config the path of agent.yaml itself");
        }
    }

    /// <summary>
    /// Variables named <c>RLOG_*</c> that set nothing: neither a setting's override nor a variable
    /// another rlog program reads (the entrypoint's, the server's). Each with the setting whose
    /// variable is closest to it, to name in a warning: a typo is never silently ignored.
    /// </summary>
    public static IReadOnlyList<(string Variable, string Closest)> UnknownRlogVariables(IEnumerable<string> variableNames)
    {
        var known = ScalarSettings.All.Select(s => s.EnvironmentVariable).ToList();
        var unknown = new List<(string, string)>();
        foreach (var name in variableNames.Where(n => n.StartsWith(ScalarSetting.EnvironmentPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (known.Contains(name) || OtherRlogVariables.Contains(name))
            {
                continue;
            }

            var closest = known.MinBy(k => EditDistance(k, name))!;
            unknown.Add((name, $"{closest} ({ScalarSettings.All.First(s => s.EnvironmentVariable == closest).Key})"));
        }

        return unknown;
    }

    /// <summary><c>RLOG_*</c> variables that other rlog programs read: the container entrypoint, the server, the tests and benchmarks.</summary>
    private static readonly HashSet<string> OtherRlogVariables = new(StringComparer.Ordinal)
    {
        "RLOG_AGENT", "RLOG_AGENT_CONFIG", "RLOG_AGENT_REQUIRED", "RLOG_SETTLE", "RLOG_STOP_MARGIN",
        "RLOG_DB", "RLOG_PROJECT_KEYS", "RLOG_RETENTION", "RLOG_IMAGE_ARCHIVE",
        "RLOG_SOAK_MINUTES", "RLOG_TEST_SERVER", "RLOG_AGENT_BINARY",
    };

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
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
        foreach (var setting in ScalarSettings.All)
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
            var key = YamlNodes.Key(path, "", keyNode);
            if (key == "sources")
            {
                options.Sources = SourceListReader.Read(path, value);
            }
            else if (ScalarSettings.IsSection(key))
            {
                ParseSection(path, key, value, options);
            }
            else
            {
                ApplyScalar(path, key, keyNode, value, options);
            }
        }

        ResolveRelativePaths(options, stateDirInFile: root.Children.Keys.Any(k => k is YamlScalarNode { Value: "state_dir" }));
        return options;
    }

    /// <summary>
    /// Relative paths written in the file are relative to the file's folder, not to the working
    /// directory the agent happens to start in: <c>state_dir</c>, each source's <c>path</c> (its
    /// <c>exclude</c> patterns stay relative to what <c>path</c> matches), <c>tls.*_file</c>. A path
    /// from the environment (<c>RLOG_STATE_DIR</c>) or a default stays relative to the working
    /// directory. <c>--check-config</c> shows them resolved.
    /// </summary>
    private static void ResolveRelativePaths(AgentOptions options, bool stateDirInFile)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(options.ConfigPath)) ?? Directory.GetCurrentDirectory();
        string Resolve(string path) => string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));
        if (stateDirInFile)
        {
            options.StateDir = Resolve(options.StateDir);
        }

        foreach (var source in options.Sources)
        {
            source.Path = Resolve(source.Path);
        }

        var tls = options.Tls;
        tls.CaFile = tls.CaFile is null ? null : Resolve(tls.CaFile);
        tls.CertFile = tls.CertFile is null ? null : Resolve(tls.CertFile);
        tls.KeyFile = tls.KeyFile is null ? null : Resolve(tls.KeyFile);
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
        foreach (var setting in ScalarSettings.All)
        {
            if (setting.Validate(o) is { } problem)
            {
                throw new ConfigException(file, setting.Key, problem);
            }
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

            if (s.Label.Length > SourceOptions.MaxLabelLength)
            {
                // The server refuses such a label on every line: refused at start, not line by line.
                throw new ConfigException(file, $"sources[{i}].label", $"is {s.Label.Length} characters long; the server takes at most {SourceOptions.MaxLabelLength}");
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

    /// <summary>What no single tls key decides: tls needs https, and a client certificate needs its key.</summary>
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
        var setting = ScalarSettings.Find(key)
            ?? throw new ConfigException(path, key, "unknown setting", keyNode.Start.Line);
        setting.Apply(options, YamlNodes.Scalar(path, key, value), new SettingOrigin(path, key, value.Start.Line));
    }

    /// <summary>A mapping of scalars such as <c>tls</c> or <c>metrics</c>; empty or null leaves the defaults.</summary>
    private static void ParseSection(string path, string section, YamlNode value, AgentOptions options)
    {
        if (YamlNodes.IsEmpty(value))
        {
            return;
        }

        if (value is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, section, $"must be a mapping of {ScalarSettings.SectionKeys(section)}", value.Start.Line);
        }

        foreach (var (keyNode, item) in mapping.Children)
        {
            ApplyScalar(path, $"{section}.{YamlNodes.Key(path, section, keyNode)}", keyNode, item, options);
        }
    }
}
