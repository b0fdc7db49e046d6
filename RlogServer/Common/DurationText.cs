using System.Globalization;

namespace RlogServer.Common;

/// <summary>Durations on the command line: a whole number and a unit, <c>45s</c>, <c>10m</c>, <c>12h</c>, <c>7d</c>, <c>2w</c>.</summary>
internal static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length < 2)
        {
            return false;
        }

        var trimmed = text.Trim();
        if (!long.TryParse(trimmed.AsSpan(0, trimmed.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            || amount <= 0 || amount > 100_000)
        {
            return false;
        }

        duration = char.ToLowerInvariant(trimmed[^1]) switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            'w' => TimeSpan.FromDays(7 * amount),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }

    /// <summary>
    /// A point in time: a duration ago (<c>10m</c>) or an RFC 3339 time (<c>2026-11-28T07:00:00Z</c>).
    /// </summary>
    public static bool TryParseTime(string? text, DateTimeOffset now, out DateTimeOffset time)
    {
        if (TryParse(text, out var ago))
        {
            time = now - ago;
            return true;
        }

        return DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out time);
    }
}
