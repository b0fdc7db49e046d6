using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace RlogAgent.Configuration;

/// <summary>Reads <c>parse</c> of a source into <see cref="ParseOptions"/>; every error names the field.</summary>
internal static class ParseSettings
{
    public static ParseOptions Read(string path, string field, YamlNode node)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw new ConfigException(path, field, "must be a mapping with format (json, logfmt or regex)", node.Start.Line);
        }

        ParseFormat? format = null;
        string? patternText = null;
        long patternLine = 0;
        string? timeKey = null;
        string? levelKey = null;
        var timeFormat = TimeFormat.Rfc3339;
        var timeZone = TimeZoneInfo.Utc;
        List<string>? fields = null;
        foreach (var (keyNode, item) in mapping.Children)
        {
            var key = YamlNodes.Key(path, field, keyNode);
            var itemField = $"{field}.{key}";
            var text = key == "fields" ? null : YamlNodes.Scalar(path, itemField, item);
            switch (key)
            {
                case "format": format = Format(path, itemField, text!, item.Start.Line); break;
                case "pattern": patternText = text; patternLine = item.Start.Line; break;
                case "time_key": timeKey = NotEmpty(path, itemField, text!, item.Start.Line); break;
                case "level_key": levelKey = NotEmpty(path, itemField, text!, item.Start.Line); break;
                case "time_format": timeFormat = ReadTimeFormat(path, itemField, text!, item.Start.Line); break;
                case "time_zone": timeZone = ReadTimeZone(path, itemField, text!, item.Start.Line); break;
                case "fields": fields = Fields(path, itemField, item); break;
                default: throw new ConfigException(path, itemField, "unknown setting", keyNode.Start.Line);
            }
        }

        if (format is not { } chosen)
        {
            throw new ConfigException(path, $"{field}.format", "is required: json, logfmt or regex", node.Start.Line);
        }

        if (chosen == ParseFormat.Regex)
        {
            if (patternText is null)
            {
                throw new ConfigException(path, $"{field}.pattern", "is required with format: regex", node.Start.Line);
            }

            if (timeKey is not null || levelKey is not null || fields is not null)
            {
                throw new ConfigException(path, field, "time_key, level_key and fields are for json and logfmt; with regex the named groups time and level are the time and level, and every other named group is a field", node.Start.Line);
            }
        }
        else if (patternText is not null)
        {
            throw new ConfigException(path, $"{field}.pattern", "is only for format: regex", patternLine);
        }

        var pattern = patternText is null ? null : SourceListReader.Pattern(path, $"{field}.pattern", patternText, patternLine, forGroups: true);
        if (pattern is not null && Array.TrueForAll(pattern.GetGroupNames(), g => int.TryParse(g, out _)))
        {
            throw new ConfigException(path, $"{field}.pattern", "has no named group: name them (?<time>...), (?<level>...), (?<field>...)", patternLine);
        }

        return new ParseOptions
        {
            Format = chosen,
            Pattern = pattern,
            TimeKey = timeKey,
            LevelKey = levelKey,
            TimeFormat = timeFormat,
            TimeZone = timeZone,
            Fields = fields ?? [],
        };
    }

    private static ParseFormat Format(string path, string field, string text, long line) => text switch
    {
        "json" => ParseFormat.Json,
        "logfmt" => ParseFormat.Logfmt,
        "regex" => ParseFormat.Regex,
        _ => throw new ConfigException(path, field, $"must be json, logfmt or regex, not '{text}'", line),
    };

    private static string NotEmpty(string path, string field, string text, long line) =>
        text.Length > 0 ? text : throw new ConfigException(path, field, "is empty", line);

    private static TimeFormat ReadTimeFormat(string path, string field, string text, long line)
    {
        switch (text)
        {
            case "rfc3339": return TimeFormat.Rfc3339;
            case "unix": return new TimeFormat(TimeFormatKind.Unix);
            case "unix_ms": return new TimeFormat(TimeFormatKind.UnixMs);
            case "unix_us": return new TimeFormat(TimeFormatKind.UnixUs);
            case "unix_ns": return new TimeFormat(TimeFormatKind.UnixNs);
        }

        // A custom format: it must format a date back to text that parses with it again.
        try
        {
            var sample = new DateTime(2026, 11, 28, 7, 5, 9, 123, DateTimeKind.Unspecified);
            var written = sample.ToString(text, CultureInfo.InvariantCulture);
            if (written == text || !DateTime.TryParseExact(written, text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                throw new FormatException("it does not read back what it writes");
            }
        }
        catch (FormatException e)
        {
            throw new ConfigException(path, field, $"must be rfc3339, unix, unix_ms, unix_us, unix_ns or a .NET custom format such as 'yyyy-MM-dd HH:mm:ss,fff'; '{text}' is not usable: {e.Message}", line);
        }

        return new TimeFormat(TimeFormatKind.Custom, text);
    }

    private static TimeZoneInfo ReadTimeZone(string path, string field, string text, long line)
    {
        switch (text)
        {
            case "UTC": return TimeZoneInfo.Utc;
            case "Local": return TimeZoneInfo.Local;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ConfigException(path, field, $"must be UTC, Local or an IANA time zone name (Asia/Seoul) known to this system, not '{text}'", line);
        }
    }

    private static List<string> Fields(string path, string field, YamlNode node)
    {
        var names = node switch
        {
            YamlScalarNode { Value: { Length: > 0 } one } => [one],
            YamlSequenceNode sequence => sequence.Children.Select(c => YamlNodes.Scalar(path, field, c)).ToList(),
            _ => throw new ConfigException(path, field, "must be a field name or a list of them (\"*\" for every top-level scalar)", node.Start.Line),
        };
        if (names.Exists(n => n.Length == 0))
        {
            throw new ConfigException(path, field, "holds an empty name", node.Start.Line);
        }

        return names;
    }
}
