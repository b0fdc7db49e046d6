using System.Globalization;

namespace RlogAgent.Configuration;

/// <summary>
/// Writes the configuration the agent would run with (<c>--check-config</c>): every setting with
/// defaults filled in, substitutions and <c>RLOG_*</c> overrides applied (each override marked with
/// its variable), the project key masked. The output is itself a valid agent.yaml, apart from the key.
/// The scalar settings come from <see cref="ScalarSettings.All"/>, in its order.
/// </summary>
public static class EffectiveConfigPrinter
{
    /// <summary>What the project key is printed as, whatever its value.</summary>
    public const string MaskedSecret = "****";

    public static void Print(AgentOptions o, TextWriter output)
    {
        output.WriteLine($"# effective configuration from {o.ConfigPath}");
        foreach (var (section, settings) in ScalarSettings.Blocks(ScalarSettings.All))
        {
            if (section is null)
            {
                PrintScalar(output, o, settings[0], "");
            }
            else
            {
                PrintSection(output, o, section, settings);
            }
        }

        PrintSources(output, o.Sources);
    }

    private static void PrintSection(TextWriter output, AgentOptions o, string section, IReadOnlyList<ScalarSetting> settings)
    {
        if (settings.All(s => s.Format(o) is null))
        {
            var note = ScalarSettings.UnsetSectionNotes.TryGetValue(section, out var text) ? $"    # {text}" : "";
            output.WriteLine($"{section}: {{}}{note}");
            return;
        }

        output.WriteLine($"{section}:");
        foreach (var setting in settings)
        {
            PrintScalar(output, o, setting, "  ");
        }
    }

    private static void PrintScalar(TextWriter output, AgentOptions o, ScalarSetting setting, string indent)
    {
        var value = setting.Format(o);
        if (value is null)
        {
            return;
        }

        if (setting.IsSecret)
        {
            value = YamlText.Quote(MaskedSecret);
        }

        var from = o.EnvironmentOverrides.TryGetValue(setting.Key, out var variable) ? $"    # from {variable}" : "";
        output.WriteLine($"{indent}{setting.Name}: {value}{from}");
    }

    private static void PrintSources(TextWriter output, List<SourceOptions> sources)
    {
        if (sources.Count == 0)
        {
            output.WriteLine("sources: []");
            return;
        }

        output.WriteLine("sources:");
        foreach (var source in sources)
        {
            output.WriteLine($"  - label: {YamlText.Quote(source.Label)}");
            output.WriteLine($"    path: {YamlText.Quote(source.Path)}");
            if (source.Exclude.Count > 0)
            {
                output.WriteLine($"    exclude: [{string.Join(", ", source.Exclude.Select(YamlText.Quote))}]");
            }

            output.WriteLine($"    format: {SourceFormatNames.Name(source.Format)}");
            if (source.Attributes.Count > 0)
            {
                output.WriteLine("    attributes:");
                foreach (var (name, value) in source.Attributes)
                {
                    output.WriteLine($"      {YamlText.Quote(name)}: {YamlText.Quote(value)}");
                }
            }

            if (source.Multiline is { } multiline)
            {
                var inv = CultureInfo.InvariantCulture;
                output.WriteLine("    multiline:");
                output.WriteLine($"      start_pattern: {YamlText.Quote(multiline.StartPattern.ToString())}");
                output.WriteLine($"      max_lines: {multiline.MaxLines.ToString(inv)}");
                output.WriteLine($"      timeout: {multiline.Timeout.TotalSeconds.ToString(inv)}");
            }

            PrintEventRules(output, source);
        }
    }

    /// <summary>parse, detect_level, drop and redact, as agent.yaml writes them.</summary>
    private static void PrintEventRules(TextWriter output, SourceOptions source)
    {
        if (source.Parse is { } parse)
        {
            output.WriteLine("    parse:");
            output.WriteLine($"      format: {parse.Format.ToString().ToLowerInvariant()}");
            if (parse.Pattern is { } pattern)
            {
                output.WriteLine($"      pattern: {YamlText.Quote(pattern.ToString())}");
            }
            else
            {
                output.WriteLine(parse.TimeKey is { } timeKey
                    ? $"      time_key: {YamlText.Quote(timeKey)}"
                    : $"      # time_key: the first of {string.Join(", ", ParseOptions.DefaultTimeKeys)}");
                output.WriteLine(parse.LevelKey is { } levelKey
                    ? $"      level_key: {YamlText.Quote(levelKey)}"
                    : $"      # level_key: the first of {string.Join(", ", ParseOptions.DefaultLevelKeys)}");
                output.WriteLine($"      fields: [{string.Join(", ", parse.Fields.Select(YamlText.Quote))}]");
            }

            output.WriteLine($"      time_format: {YamlText.Quote(parse.TimeFormat.ToString())}");
            output.WriteLine($"      time_zone: {YamlText.Quote(parse.TimeZone == TimeZoneInfo.Utc ? "UTC" : parse.TimeZone == TimeZoneInfo.Local ? "Local" : parse.TimeZone.Id)}");
        }

        if (source.DetectLevel)
        {
            output.WriteLine("    detect_level: true");
        }

        if (source.Drop.Count > 0)
        {
            output.WriteLine($"    drop: [{string.Join(", ", source.Drop.Select(d => YamlText.Quote(d.ToString())))}]");
        }

        if (source.Redact.Count > 0)
        {
            output.WriteLine("    redact:");
            foreach (var rule in source.Redact)
            {
                output.WriteLine($"      - pattern: {YamlText.Quote(rule.Pattern.ToString())}");
                output.WriteLine($"        replace: {YamlText.Quote(rule.Replace)}");
            }
        }
    }
}
