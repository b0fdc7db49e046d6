namespace RlogAgent.Collection.Formats;

/// <summary>
/// A record's time as the container runtime wrote it: whole seconds since the Unix epoch and the
/// nanoseconds within that second (0 to 999,999,999). It keeps every digit CRI and Docker write (9),
/// which the wire's Timestamp (seconds + nanos) carries as is; <see cref="ToDateTime"/> gives a UTC
/// <see cref="DateTime"/>, which truncates to 100 ns.
/// </summary>
public readonly record struct RecordTimestamp(long UnixSeconds, int Nanoseconds)
{
    /// <summary>Unix seconds of 0001-01-01T00:00:00Z, the first instant a <see cref="DateTime"/> holds.</summary>
    private const long MinUnixSeconds = -62_135_596_800;

    /// <summary>Unix seconds of 9999-12-31T23:59:59Z, the last whole second a <see cref="DateTime"/> holds.</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    private static readonly int UnixEpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>The time as a UTC <see cref="DateTime"/>, truncated to its 100 ns ticks.</summary>
    public DateTime ToDateTime() =>
        DateTime.UnixEpoch.AddTicks((UnixSeconds * TimeSpan.TicksPerSecond) + (Nanoseconds / 100));

    /// <summary>
    /// Parses an RFC 3339 date-time as CRI and Docker write it: <c>YYYY-MM-DDTHH:MM:SS</c>, an optional
    /// fraction of any length (digits past the 9th are dropped), then <c>Z</c> or <c>±hh:mm</c>.
    /// <c>t</c> and <c>z</c> are accepted in lower case (RFC 3339 allows it). Rejected: anything else
    /// around or after it, out-of-range fields (month 13, 31 April, 29 February outside leap years,
    /// hour 24, second 60: the runtimes never write a leap second), and instants a
    /// <see cref="DateTime"/> cannot hold. Never throws.
    /// </summary>
    public static bool TryParseRfc3339(ReadOnlySpan<byte> text, out RecordTimestamp timestamp)
    {
        timestamp = default;
        if (text.Length < 20
            || !TryDigits(text, 0, 4, out var year) || text[4] != (byte)'-'
            || !TryDigits(text, 5, 2, out var month) || text[7] != (byte)'-'
            || !TryDigits(text, 8, 2, out var day) || (text[10] | 0x20) != (byte)'t'
            || !TryDigits(text, 11, 2, out var hour) || text[13] != (byte)':'
            || !TryDigits(text, 14, 2, out var minute) || text[16] != (byte)':'
            || !TryDigits(text, 17, 2, out var second))
        {
            return false;
        }

        var at = 19;
        var nanoseconds = 0;
        if (text[at] == (byte)'.')
        {
            at++;
            var digits = 0;
            while (at < text.Length && IsDigit(text[at]))
            {
                if (digits < 9)
                {
                    nanoseconds = (nanoseconds * 10) + (text[at] - '0');
                }

                digits++;
                at++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (var pad = digits; pad < 9; pad++)
            {
                nanoseconds *= 10;
            }
        }

        if (at >= text.Length)
        {
            return false;
        }

        var offsetSeconds = 0;
        if ((text[at] | 0x20) == (byte)'z')
        {
            at++;
        }
        else if (text[at] is (byte)'+' or (byte)'-')
        {
            if (text.Length - at != 6
                || !TryDigits(text, at + 1, 2, out var offsetHours) || text[at + 3] != (byte)':'
                || !TryDigits(text, at + 4, 2, out var offsetMinutes)
                || offsetHours > 23 || offsetMinutes > 59)
            {
                return false;
            }

            offsetSeconds = ((offsetHours * 60) + offsetMinutes) * 60 * (text[at] == (byte)'-' ? -1 : 1);
            at += 6;
        }

        if (at != text.Length
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var days = new DateOnly(year, month, day).DayNumber - UnixEpochDayNumber;
        var seconds = (days * 86_400L) + (hour * 3_600) + (minute * 60) + second - offsetSeconds;
        if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
        {
            return false;
        }

        timestamp = new RecordTimestamp(seconds, nanoseconds);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!IsDigit(text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
