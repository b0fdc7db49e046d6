using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace RlogAgent.Configuration;

/// <summary>
/// Reads <c>sources</c> of agent.yaml into <see cref="SourceOptions"/>. Everything a source's own keys
/// can get wrong is found here, while the YAML nodes still give each error its line; whether label
/// and path are there, and unique, is left to <see cref="ConfigLoader.Validate"/>.
/// </summary>
internal static class SourceListReader
{
    public static List<SourceOptions> Read(string path, YamlNode value)
    {
        if (YamlNodes.IsEmpty(value))
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
            sources.Add(ReadSource(path, $"sources[{i}]", sequence.Children[i]));
        }

        return sources;
    }

    private static SourceOptions ReadSource(string path, string field, YamlNode node)
    {
        if (node is not YamlMappingNode entry)
        {
            throw new ConfigException(path, field, "must be a mapping with label and path", node.Start.Line);
        }

        var source = new SourceOptions();
        foreach (var (keyNode, item) in entry.Children)
        {
            var key = YamlNodes.Key(path, field, keyNode);
            var itemField = $"{field}.{key}";
            switch (key)
            {
                case "label": source.Label = YamlNodes.Scalar(path, itemField, item); break;
                case "path": source.Path = YamlNodes.Scalar(path, itemField, item); break;
                case "exclude": source.Exclude = StringList(path, itemField, item); break;
                case "format": source.Format = Format(path, itemField, item); break;
                case "attributes": source.Attributes = Attributes(path, itemField, item); break;
                case "multiline": source.Multiline = Multiline(path, itemField, item); break;
                case "parse": source.Parse = ParseSettings.Read(path, itemField, item); break;
                case "detect_level": source.DetectLevel = Boolean(path, itemField, item); break;
                case "drop": source.Drop = Patterns(path, itemField, item); break;
                case "redact": source.Redact = RedactRules(path, itemField, item); break;
                default: throw new ConfigException(path, itemField, "unknown setting", keyNode.Start.Line);
            }
        }

        return source;
    }

    private static bool Boolean(string path, string field, YamlNode node)
    {
        var text = YamlNodes.Scalar(path, field, node);
        return text switch
        {
            "true" => true,
            "false" => false,
            _ => throw new ConfigException(path, field, $"must be true or false, not '{text}'", node.Start.Line),
        };
    }

    /// <summary>A list of regular expressions, each compiled now so that a bad one is named at start.</summary>
    private static List<Regex> Patterns(string path, string field, YamlNode node)
    {
        var texts = StringList(path, field, node);
        var patterns = new List<Regex>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            patterns.Add(Pattern(path, $"{field}[{i}]", texts[i], node.Start.Line));
        }

        return patterns;
    }

    /// <summary>Compiles a pattern from agent.yaml; a bad one is a configuration error naming the field.</summary>
    internal static Regex Pattern(string path, string field, string text, long line, bool forGroups = false)
    {
        if (text.Length == 0)
        {
            throw new ConfigException(path, field, "is empty", line);
        }

        try
        {
            return forGroups ? UserPattern.CompileForGroups(text) : UserPattern.Compile(text);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(path, field, $"'{text}' is not a valid regular expression: {e.Message}", line);
        }
    }

    private static List<RedactRule> RedactRules(string path, string field, YamlNode node)
    {
        if (node is not YamlSequenceNode sequence)
        {
            throw new ConfigException(path, field, "must be a list of {pattern, replace} entries", node.Start.Line);
        }

        var rules = new List<RedactRule>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var ruleField = $"{field}[{i}]";
            if (sequence.Children[i] is not YamlMappingNode mapping)
            {
                throw new ConfigException(path, ruleField, "must be a mapping with pattern and replace", sequence.Children[i].Start.Line);
            }

            Regex? pattern = null;
            var replace = "***";
            foreach (var (keyNode, item) in mapping.Children)
            {
                var key = YamlNodes.Key(path, ruleField, keyNode);
                switch (key)
                {
                    case "pattern": pattern = Pattern(path, $"{ruleField}.pattern", YamlNodes.Scalar(path, $"{ruleField}.pattern", item), item.Start.Line); break;
                    case "replace": replace = item is YamlScalarNode { Value: var v } ? v ?? "" : YamlNodes.Scalar(path, $"{ruleField}.replace", item); break;
                    default: throw new ConfigException(path, $"{ruleField}.{key}", "unknown setting", keyNode.Start.Line);
                }
            }

            rules.Add(pattern is null
                ? throw new ConfigException(path, $"{ruleField}.pattern", "is required", mapping.Start.Line)
                : new RedactRule(pattern, replace));
        }

        return rules;
    }

    private static List<string> StringList(string path, string field, YamlNode node) => node switch
    {
        YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => [s.Value],
        YamlSequenceNode seq => seq.Children.Select(c => YamlNodes.Scalar(path, field, c)).ToList(),
        _ => throw new ConfigException(path, field, "must be a pattern or a list of patterns", node.Start.Line),
    };

    private static SourceFormat Format(string path, string field, YamlNode node)
    {
        var text = YamlNodes.Scalar(path, field, node);
        return SourceFormatNames.TryParse(text, out var format)
            ? format
            : throw new ConfigException(path, field, $"must be {SourceFormatNames.Expected}, not '{text}'", node.Start.Line);
    }

    private static List<KeyValuePair<string, string>> Attributes(string path, string field, YamlNode node)
    {
        if (YamlNodes.IsEmpty(node))
        {
            return [];
        }

        if (node is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, field, "must be a mapping of names to values", node.Start.Line);
        }

        if (mapping.Children.Count > SourceOptions.MaxAttributes)
        {
            throw new ConfigException(path, field, $"has {mapping.Children.Count} attributes; at most {SourceOptions.MaxAttributes} are allowed", node.Start.Line);
        }

        // YamlDotNet refuses a repeated key as it loads, so the names here are unique.
        var attributes = new List<KeyValuePair<string, string>>(mapping.Children.Count);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = YamlNodes.Key(path, field, keyNode);
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ConfigException(path, field, $"attribute {attributes.Count + 1} has an empty name", keyNode.Start.Line);
            }

            var nameField = $"{field}.{name}";
            if (Encoding.UTF8.GetByteCount(name) > SourceOptions.MaxAttributeNameBytes)
            {
                throw new ConfigException(path, nameField, $"the name is longer than {SourceOptions.MaxAttributeNameBytes} bytes", keyNode.Start.Line);
            }

            var value = YamlNodes.Scalar(path, nameField, valueNode);
            if (Encoding.UTF8.GetByteCount(value) > SourceOptions.MaxAttributeValueBytes)
            {
                throw new ConfigException(path, nameField, $"the value is longer than {SourceOptions.MaxAttributeValueBytes} bytes", valueNode.Start.Line);
            }

            attributes.Add(new(name, value));
        }

        return attributes;
    }

    private static MultilineOptions Multiline(string path, string field, YamlNode node)
    {
        if (YamlNodes.IsEmpty(node))
        {
            throw new ConfigException(path, $"{field}.start_pattern", "is required", node.Start.Line);
        }

        if (node is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, field, "must be a mapping of start_pattern, max_lines and timeout", node.Start.Line);
        }

        Regex? startPattern = null;
        var maxLines = MultilineOptions.DefaultMaxLines;
        var timeout = MultilineOptions.DefaultTimeout;
        foreach (var (keyNode, item) in mapping.Children)
        {
            var key = YamlNodes.Key(path, field, keyNode);
            var itemField = $"{field}.{key}";
            var at = new SettingOrigin(path, itemField, item.Start.Line);
            switch (key)
            {
                case "start_pattern": startPattern = StartPattern(YamlNodes.Scalar(path, itemField, item), at); break;
                case "max_lines": maxLines = MaxLines(YamlNodes.Scalar(path, itemField, item), at); break;
                case "timeout": timeout = Timeout(YamlNodes.Scalar(path, itemField, item), at); break;
                default: throw new ConfigException(path, itemField, "unknown setting", keyNode.Start.Line);
            }
        }

        return startPattern is null
            ? throw new ConfigException(path, $"{field}.start_pattern", "is required", node.Start.Line)
            : new MultilineOptions(startPattern, maxLines, timeout);
    }

    // Compiled once here, so a bad pattern stops the agent at start rather than at the first line.
    private static Regex StartPattern(string pattern, SettingOrigin at)
    {
        if (pattern.Length == 0)
        {
            throw at.Fail("is required");
        }

        try
        {
            return MultilineOptions.CompileStartPattern(pattern);
        }
        catch (ArgumentException e)
        {
            throw at.Fail($"'{pattern}' is not a valid regular expression: {e.Message}");
        }
    }

    private static int MaxLines(string text, SettingOrigin at)
    {
        var value = ScalarSetting.ParseInt(text, at);
        return value >= 1 ? value : throw at.Fail($"must be at least 1, not {value.ToString(CultureInfo.InvariantCulture)}");
    }

    private static TimeSpan Timeout(string text, SettingOrigin at)
    {
        var seconds = ScalarSetting.ParseSeconds(text, at);
        var shown = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds switch
        {
            <= 0 => throw at.Fail($"must be greater than 0, not {shown}"),
            < MultilineOptions.MinTimeoutSeconds => throw at.Fail($"must be at least {MultilineOptions.MinTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (1 ms), not {shown}"),
            > MultilineOptions.MaxTimeoutSeconds => throw at.Fail($"must be at most {MultilineOptions.MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} (1 hour), not {shown}"),
            _ => TimeSpan.FromSeconds(seconds),
        };
    }
}
