using System.Buffers.Text;
using System.Globalization;
using System.Text;
using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// Reads an event's time from the UTF-8 text a parser found, as 100 ns ticks since the Unix epoch.
/// RFC 3339 and the unix forms are read in place, with no string; a .NET custom format needs one.
/// A time written without an offset is in the source's <c>time_zone</c>: in a daylight-saving gap
/// (a time that never happened) it is read as the clock showed it before the change, and in the
/// hour that repeats, as its first occurrence (still on daylight time).
/// </summary>
public static class EventTime
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Reads <paramref name="text"/> written as <paramref name="format"/>; false when it is not such a time.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, TimeFormat format, TimeZoneInfo zone, out long unixTicks)
    {
        unixTicks = 0;
        text = text.Trim((byte)' ');
        return format.Kind switch
        {
            TimeFormatKind.Rfc3339 => TryRfc3339(text, zone, out unixTicks) || TryUnixGuess(text, out unixTicks),
            TimeFormatKind.Unix => TryUnix(text, TicksPerSecond, out unixTicks),
            TimeFormatKind.UnixMs => TryUnix(text, TimeSpan.TicksPerMillisecond, out unixTicks),
            TimeFormatKind.UnixUs => TryUnix(text, TimeSpan.TicksPerMicrosecond, out unixTicks),
            TimeFormatKind.UnixNs => TryUnix(text, 0, out unixTicks),
            _ => TryCustom(text, format.Custom!, zone, out unixTicks),
        };
    }

    /// <summary>
    /// A JSON number under the default format: the epoch in seconds, milliseconds, microseconds or
    /// nanoseconds, told apart by its size (as zap, pino and others write it).
    /// </summary>
    public static bool TryUnixGuess(ReadOnlySpan<byte> text, out long unixTicks)
    {
        unixTicks = 0;
        if (!Utf8Parser.TryParse(text, out double value, out var used) || used != text.Length || !double.IsFinite(value) || value <= 0)
        {
            return false;
        }

        var unit = value < 1e11 ? TicksPerSecond : value < 1e14 ? TimeSpan.TicksPerMillisecond : value < 1e17 ? TimeSpan.TicksPerMicrosecond : 0;
        return TryUnix(text, unit, out unixTicks);
    }

    /// <summary>A number of <paramref name="unit"/> ticks (0: nanoseconds) since the epoch, a fraction allowed.</summary>
    private static bool TryUnix(ReadOnlySpan<byte> text, long unit, out long unixTicks)
    {
        unixTicks = 0;
        if (unit == 0)
        {
            // Nanoseconds overflow a double's precision: read them as a whole number.
            if (!Utf8Parser.TryParse(text, out long nanos, out var whole) || whole != text.Length)
            {
                return false;
            }

            unixTicks = nanos / 100;
            return InRange(unixTicks);
        }

        if (!Utf8Parser.TryParse(text, out double value, out var used) || used != text.Length || !double.IsFinite(value))
        {
            return false;
        }

        var ticks = value * unit;
        if (ticks is < 0 or > 253_402_300_799d * TicksPerSecond)
        {
            return false;
        }

        unixTicks = (long)Math.Round(ticks);
        return InRange(unixTicks);
    }

    /// <summary>
    /// <c>YYYY-MM-DD</c>, <c>T</c> or a space, <c>hh:mm:ss</c>, an optional fraction (any number of
    /// digits, dot or comma), then <c>Z</c>, <c>±hh:mm</c>, <c>±hhmm</c>, <c>±hh</c> or nothing (then
    /// the source's time zone).
    /// </summary>
    private static bool TryRfc3339(ReadOnlySpan<byte> t, TimeZoneInfo zone, out long unixTicks)
    {
        unixTicks = 0;
        if (t.Length < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
        {
            return false;
        }

        if (!Digits(t[..4], out var year) || !Digits(t.Slice(5, 2), out var month) || !Digits(t.Slice(8, 2), out var day)
            || !Digits(t.Slice(11, 2), out var hour) || !Digits(t.Slice(14, 2), out var minute) || !Digits(t.Slice(17, 2), out var second))
        {
            return false;
        }

        var at = 19;
        long fraction = 0;
        if (at < t.Length && (t[at] == '.' || t[at] == ','))
        {
            at++;
            var scale = TicksPerSecond / 10;
            var start = at;
            while (at < t.Length && t[at] is >= (byte)'0' and <= (byte)'9')
            {
                fraction += (t[at] - '0') * scale;
                scale /= 10;
                at++;
            }

            if (at == start)
            {
                return false;
            }
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 60 || year < 1)
        {
            return false;
        }

        // A leap second is the last tick of the second before it.
        var clock = new DateTime(year, month, day, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified).AddTicks(second == 60 ? TicksPerSecond - 1 : fraction);
        var rest = t[at..];
        long offsetTicks;
        if (rest.IsEmpty)
        {
            return FromZone(clock, zone, out unixTicks);
        }

        if (rest.Length == 1 && (rest[0] == 'Z' || rest[0] == 'z'))
        {
            offsetTicks = 0;
        }
        else if (!TryOffset(rest, out offsetTicks))
        {
            return false;
        }

        unixTicks = clock.Ticks - offsetTicks - DateTime.UnixEpoch.Ticks;
        return InRange(unixTicks);
    }

    private static bool TryOffset(ReadOnlySpan<byte> rest, out long offsetTicks)
    {
        offsetTicks = 0;
        if (rest[0] != '+' && rest[0] != '-')
        {
            return false;
        }

        int hours;
        var minutes = 0;
        switch (rest.Length)
        {
            case 3 when Digits(rest.Slice(1, 2), out hours):
                break;
            case 5 when Digits(rest.Slice(1, 2), out hours) && Digits(rest.Slice(3, 2), out minutes):
                break;
            case 6 when rest[3] == ':' && Digits(rest.Slice(1, 2), out hours) && Digits(rest.Slice(4, 2), out minutes):
                break;
            default:
                return false;
        }

        if (hours > 23 || minutes > 59)
        {
            return false;
        }

        offsetTicks = ((hours * 60L) + minutes) * TimeSpan.TicksPerMinute * (rest[0] == '-' ? -1 : 1);
        return true;
    }

    private static bool TryCustom(ReadOnlySpan<byte> text, string format, TimeZoneInfo zone, out long unixTicks)
    {
        unixTicks = 0;
        var written = Encoding.UTF8.GetString(text);
        if (DateTimeOffset.TryParseExact(written, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) && HasOffsetSpecifier(format))
        {
            unixTicks = withOffset.UtcTicks - DateTime.UnixEpoch.Ticks;
            return InRange(unixTicks);
        }

        return DateTime.TryParseExact(written, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock)
            && FromZone(DateTime.SpecifyKind(clock, DateTimeKind.Unspecified), zone, out unixTicks);
    }

    /// <summary>True when a custom format writes an offset (<c>z</c>, <c>zz</c>, <c>zzz</c>, <c>K</c>) outside quotes.</summary>
    private static bool HasOffsetSpecifier(string format)
    {
        var quoted = false;
        foreach (var c in format)
        {
            if (c is '\'' or '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is 'z' or 'K')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A wall-clock time in <paramref name="zone"/> as UTC, through daylight-saving changes.</summary>
    private static bool FromZone(DateTime clock, TimeZoneInfo zone, out long unixTicks)
    {
        TimeSpan offset;
        if (zone.IsInvalidTime(clock))
        {
            // Skipped by a spring-forward: the offset in force just before the change.
            offset = zone.GetUtcOffset(clock.AddHours(-3));
        }
        else if (zone.IsAmbiguousTime(clock))
        {
            // Repeated by a fall-back: its first occurrence, on the larger (daylight) offset.
            offset = zone.GetAmbiguousTimeOffsets(clock).Max();
        }
        else
        {
            offset = zone.GetUtcOffset(clock);
        }

        unixTicks = clock.Ticks - offset.Ticks - DateTime.UnixEpoch.Ticks;
        return InRange(unixTicks);
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    // Anything a Timestamp and a DateTime can both hold, after 1970 (0 means "the read time").
    private static bool InRange(long unixTicks) => unixTicks > 0 && unixTicks < DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks;
}
