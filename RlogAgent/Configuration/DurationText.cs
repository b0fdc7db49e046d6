using System.Globalization;

namespace RlogAgent.Configuration;

/// <summary>
/// A duration as agent.yaml, its <c>RLOG_*</c> overrides and the server's flags write it: a number of
/// seconds (<c>2.5</c>), or a number with a unit: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>
/// (<c>500ms</c>, <c>5s</c>, <c>10m</c>, <c>2h</c>, <c>7d</c>).
/// </summary>
public static class DurationText
{
    /// <summary>
    /// A duration as a person reads it in a log line: <c>250 ms</c>, <c>2.5 s</c>, <c>1 min 30 s</c>,
    /// <c>2 h 5 min</c> (not <c>00:01:30</c>).
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        var inv = CultureInfo.InvariantCulture;
        if (duration < TimeSpan.FromSeconds(1))
        {
            return string.Create(inv, $"{Math.Round(duration.TotalMilliseconds)} ms");
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            return string.Create(inv, $"{Math.Round(duration.TotalSeconds, 1):0.#} s");
        }

        if (duration < TimeSpan.FromHours(1))
        {
            return duration.Seconds == 0 ? string.Create(inv, $"{duration.Minutes} min") : string.Create(inv, $"{duration.Minutes} min {duration.Seconds} s");
        }

        return string.Create(inv, $"{(int)duration.TotalHours} h {duration.Minutes} min");
    }

    /// <summary>What an error says the text should have been.</summary>
    public const string Expected = "a number of seconds or a duration such as 500ms, 5s, 10m, 2h, 7d";

    /// <summary>The duration in seconds; false when <paramref name="text"/> is neither form, or not finite.</summary>
    public static bool TryParseSeconds(string text, out double seconds)
    {
        seconds = 0;
        text = text.Trim();
        var (unit, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (2, 0.001),
            _ when text.EndsWith('s') => (1, 1.0),
            _ when text.EndsWith('m') => (1, 60.0),
            _ when text.EndsWith('h') => (1, 3600.0),
            _ when text.EndsWith('d') => (1, 86400.0),
            _ => (0, 1.0),
        };
        var number = text[..^unit];
        if (number.Length == 0 || (unit > 0 && !char.IsAsciiDigit(number[^1]) && number[^1] != '.'))
        {
            return false;
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return false;
        }

        seconds = value * scale;
        return double.IsFinite(seconds);
    }
}
