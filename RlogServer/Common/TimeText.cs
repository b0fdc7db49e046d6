using System.Globalization;

namespace RlogServer.Common;

/// <summary>Times as the server prints them: RFC 3339 in UTC, with exactly three fractional digits.</summary>
internal static class TimeText
{
    /// <summary><c>2026-12-06T07:00:00.123Z</c>.</summary>
    public static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
