using System.Globalization;

namespace RlogAgent.Configuration;

/// <summary>
/// One single-valued setting of agent.yaml (<c>batch_size</c>, <c>tls.ca_file</c>, ...), described once:
/// how its text is parsed into <see cref="AgentOptions"/>, how its value is written back as YAML text
/// (for <c>--check-config</c> and the first-run file), what makes it invalid, and the environment
/// variable that overrides it. <see cref="ScalarSettings.All"/> lists them; the loader, the overrides,
/// the printer and the first-run writer all read that list and name no key themselves.
/// </summary>
internal sealed record ScalarSetting
{
    /// <summary>Prefix of every override variable: <c>batch_size</c> is overridden by <c>RLOG_BATCH_SIZE</c>.</summary>
    public const string EnvironmentPrefix = "RLOG_";

    /// <summary>What <see cref="Unit"/> says of a duration.</summary>
    public const string SecondsUnit = "seconds";

    private ScalarSetting(
        string key,
        Action<AgentOptions, string, SettingOrigin> apply,
        Func<AgentOptions, string?> format,
        Func<AgentOptions, string?> validate)
    {
        Key = key;
        Apply = apply;
        Format = format;
        Validate = validate;
        EnvironmentVariable = EnvironmentPrefix + key.Replace('.', '_').ToUpperInvariant();
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        Section = dot < 0 ? null : key[..dot];
        Name = dot < 0 ? key : key[(dot + 1)..];
    }

    /// <summary>The key as written in agent.yaml; a dot separates a section from its key.</summary>
    public string Key { get; }

    public string EnvironmentVariable { get; }

    /// <summary>The section (<c>tls</c> of <c>tls.ca_file</c>), or null for a top-level key.</summary>
    public string? Section { get; }

    /// <summary>The key inside its section (<c>ca_file</c>), or the whole key at the top level.</summary>
    public string Name { get; }

    /// <summary>Parses the text into the options, or throws a <see cref="ConfigException"/> through the origin.</summary>
    public Action<AgentOptions, string, SettingOrigin> Apply { get; }

    /// <summary>The value as YAML text that <see cref="Apply"/> reads back the same, or null when the setting is unset (off).</summary>
    public Func<AgentOptions, string?> Format { get; }

    /// <summary>The problem with the value (for example <c>must be greater than 0, not -1</c>), or null when it is valid.</summary>
    public Func<AgentOptions, string?> Validate { get; }

    /// <summary>True when <c>--check-config</c> prints a mask instead of the value.</summary>
    public bool IsSecret { get; init; }

    /// <summary>True when the first-run agent.yaml writes this setting.</summary>
    public bool WrittenAtFirstRun { get; init; }

    /// <summary>A comment the first-run file puts on the line before this setting, without its <c>#</c>.</summary>
    public string? FirstRunNote { get; init; }

    /// <summary>The unit of a number, said in a comment after it in the first-run file (<c>seconds</c>).</summary>
    public string? Unit { get; init; }

    /// <summary>A string setting, written single-quoted.</summary>
    public static ScalarSetting Text(string key, Func<AgentOptions, string> get, Action<AgentOptions, string> set, Func<AgentOptions, string, string?>? check = null) =>
        new(key, (o, text, _) => set(o, text), o => YamlText.Quote(get(o)), o => check?.Invoke(o, get(o)));

    /// <summary>A string setting that may be unset (null): then it is neither printed nor checked.</summary>
    public static ScalarSetting OptionalText(string key, Func<AgentOptions, string?> get, Action<AgentOptions, string> set, Func<AgentOptions, string, string?>? check = null) =>
        new(
            key,
            (o, text, _) => set(o, text),
            o => get(o) is { } value ? YamlText.Quote(value) : null,
            o => get(o) is { } value ? check?.Invoke(o, value) : null);

    /// <summary>A whole-number setting.</summary>
    public static ScalarSetting Whole(string key, Func<AgentOptions, int> get, Action<AgentOptions, int> set, Func<AgentOptions, int, string?>? check = null) =>
        new(key, (o, text, at) => set(o, ParseInt(text, at)), o => get(o).ToString(CultureInfo.InvariantCulture), o => check?.Invoke(o, get(o)));

    /// <summary>A whole-number setting beyond the range of <see cref="int"/> (byte counts).</summary>
    public static ScalarSetting WholeLong(string key, Func<AgentOptions, long> get, Action<AgentOptions, long> set, Func<AgentOptions, long, string?>? check = null) =>
        new(key, (o, text, at) => set(o, ParseLong(text, at)), o => get(o).ToString(CultureInfo.InvariantCulture), o => check?.Invoke(o, get(o)));

    /// <summary>
    /// A duration: a number of seconds or a suffixed form (<c>500ms</c>, <c>5s</c>, <c>10m</c>), held
    /// as a <see cref="TimeSpan"/> from the moment it is read. A value outside
    /// [<paramref name="min"/>, <paramref name="max"/>] seconds is refused where it is read, as written
    /// (<c>1e300</c> is named as such, not as the longest TimeSpan).
    /// </summary>
    public static ScalarSetting Duration(string key, Func<AgentOptions, TimeSpan> get, Action<AgentOptions, TimeSpan> set, double min, double max) =>
        new(
            key,
            (o, text, at) =>
            {
                var seconds = ParseSeconds(text, at);
                if (OutOfRange(seconds, min, max) is { } problem)
                {
                    throw at.Fail(problem);
                }

                set(o, TimeSpan.FromSeconds(seconds));
            },
            o => get(o).TotalSeconds.ToString(CultureInfo.InvariantCulture),
            o => OutOfRange(get(o).TotalSeconds, min, max))
        {
            Unit = SecondsUnit,
        };

    private static string? OutOfRange(double seconds, double min, double max) =>
        seconds >= min && seconds <= max
            ? null
            : $"must be from {min.ToString(null, CultureInfo.InvariantCulture)} to {max.ToString(null, CultureInfo.InvariantCulture)}, not {seconds.ToString(null, CultureInfo.InvariantCulture)}";

    /// <summary>One of a few names; <paramref name="parse"/> rejects any other through the origin, so the value is valid once set.</summary>
    public static ScalarSetting Choice<T>(string key, Func<AgentOptions, T> get, Action<AgentOptions, T> set, Func<string, SettingOrigin, T> parse, Func<T, string> name) =>
        new(key, (o, text, at) => set(o, parse(text, at)), o => name(get(o)), _ => null);

    public static int ParseInt(string text, SettingOrigin at) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw at.Fail($"'{text}' is not a whole number");

    public static long ParseLong(string text, SettingOrigin at) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw at.Fail($"'{text}' is not a whole number");

    public static double ParseSeconds(string text, SettingOrigin at) =>
        DurationText.TryParseSeconds(text, out var value)
            ? value
            : throw at.Fail($"'{text}' is not {DurationText.Expected}");
}
