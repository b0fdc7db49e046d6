namespace RlogAgent.Configuration;

/// <summary>
/// One single-valued setting of agent.yaml (<c>batch_size</c>, <c>tls.ca_file</c>, ...): how its
/// text is applied to <see cref="AgentOptions"/>, and the environment variable that overrides it.
/// </summary>
internal sealed class ScalarSetting
{
    /// <summary>Prefix of every override variable: <c>batch_size</c> is overridden by <c>RLOG_BATCH_SIZE</c>.</summary>
    public const string EnvironmentPrefix = "RLOG_";

    public ScalarSetting(string key, Action<AgentOptions, string, SettingOrigin> apply)
    {
        Key = key;
        Apply = apply;
        EnvironmentVariable = EnvironmentPrefix + key.Replace('.', '_').ToUpperInvariant();
    }

    /// <summary>The key as written in agent.yaml; a dot separates a section from its key.</summary>
    public string Key { get; }

    public string EnvironmentVariable { get; }

    /// <summary>Parses the text into the options, or throws a <see cref="ConfigException"/> through the origin.</summary>
    public Action<AgentOptions, string, SettingOrigin> Apply { get; }
}
