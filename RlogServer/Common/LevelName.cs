namespace RlogServer.Common;

/// <summary>
/// Level names as <c>query --level</c> takes them and as lines print them: OpenTelemetry's short
/// names for ranges of SeverityNumber (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20,
/// FATAL 21-24).
/// </summary>
internal static class LevelName
{
    private static readonly (string Name, int Floor)[] Levels =
        [("trace", 1), ("debug", 5), ("info", 9), ("warn", 13), ("warning", 13), ("error", 17), ("fatal", 21)];

    /// <summary>The lowest SeverityNumber of <paramref name="name"/> (any case), or of a number 1-24 as given.</summary>
    public static bool TryParseFloor(string name, out int floor)
    {
        if (int.TryParse(name, out floor))
        {
            return floor is >= 1 and <= 24;
        }

        foreach (var (level, start) in Levels)
        {
            if (string.Equals(level, name, StringComparison.OrdinalIgnoreCase))
            {
                floor = start;
                return true;
            }
        }

        return false;
    }

    /// <summary>TRACE, DEBUG, INFO, WARN, ERROR or FATAL; "" for 0 (no level).</summary>
    public static string Of(int severityNumber) => severityNumber switch
    {
        <= 0 => "",
        <= 4 => "TRACE",
        <= 8 => "DEBUG",
        <= 12 => "INFO",
        <= 16 => "WARN",
        <= 20 => "ERROR",
        _ => "FATAL",
    };
}
