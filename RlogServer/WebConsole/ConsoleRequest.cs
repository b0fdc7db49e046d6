using System.Globalization;
using System.Text;
using RlogServer.Common;
using RlogServer.Storage.Console;

namespace RlogServer.WebConsole;

/// <summary>
/// Reads the API's query parameters: the FILTERS, the time range (resolved once per request,
/// to whole milliseconds), counts, and the paging cursor. Anything wrong throws
/// <see cref="BadParameterException"/> naming the parameter.
/// </summary>
internal static class ConsoleRequest
{
    private const string CursorVersion = "c1";

    private static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);

    /// <summary>The line filters of the query string.</summary>
    public static LineFilter Filter(IQueryCollection query)
    {
        var attributes = new List<AttributeFilter>();
        foreach (var (name, values) in query)
        {
            if (name.StartsWith("attr.", StringComparison.Ordinal))
            {
                if (name.Length == 5)
                {
                    throw BadParameterException.For("attr.", "name the attribute, as in attr.k8s.namespace.name=shop");
                }

                attributes.Add(new AttributeFilter(name[5..], values.Select(v => v ?? "").ToList()));
            }
        }

        var agents = Values(query, "agent");
        foreach (var agent in agents)
        {
            if (!Guid.TryParse(agent, out _))
            {
                throw BadParameterException.For("agent", $"'{Cut(agent)}' is not a uuid");
            }
        }

        int? minSeverity = null;
        foreach (var level in Values(query, "level"))
        {
            if (!LevelName.TryParseFloor(level, out var floor))
            {
                throw BadParameterException.For("level", $"'{Cut(level)}' is not trace, debug, info, warn, error or fatal");
            }

            minSeverity = minSeverity is { } lowest ? Math.Min(lowest, floor) : floor;
        }

        foreach (var (name, list) in new[] { ("contains", Values(query, "contains")), ("icontains", Values(query, "icontains")), ("exclude", Values(query, "exclude")), ("regex", Values(query, "regex")) })
        {
            if (list.Any(value => value.Length == 0))
            {
                throw BadParameterException.For(name, "is empty");
            }
        }

        return new LineFilter
        {
            Labels = Values(query, "label"),
            Hosts = Values(query, "host"),
            Agents = agents.Select(agent => Guid.Parse(agent).ToString()).ToList(),
            Sources = Values(query, "source"),
            Contains = Values(query, "contains"),
            IContains = Values(query, "icontains"),
            Exclude = Values(query, "exclude"),
            Regex = Values(query, "regex"),
            Attributes = attributes,
            MinSeverity = minSeverity,
        };
    }

    /// <summary>
    /// <c>[from, to)</c>: <c>to</c> defaults to now and <c>from</c> to an hour before <c>to</c>; each
    /// RFC 3339 or a duration ago (<c>15m</c>). Whole milliseconds.
    /// </summary>
    public static TimeRange Range(IQueryCollection query, DateTimeOffset now, TimeSpan? defaultSpan = null)
    {
        now = Truncate(now);
        var to = Time(query, "to", now) ?? now;
        var from = Time(query, "from", now) ?? to - (defaultSpan ?? DefaultRange);
        if (from > to)
        {
            throw BadParameterException.For("from", $"{TimeText.Rfc3339(from)} is after to ({TimeText.Rfc3339(to)})");
        }

        return new TimeRange(from, to);
    }

    /// <summary>Whether the request names a <c>from</c>.</summary>
    public static bool HasFrom(IQueryCollection query) => query.ContainsKey("from");

    /// <summary>A whole number parameter between <paramref name="minimum"/> and <paramref name="maximum"/>.</summary>
    public static int Count(IQueryCollection query, string name, int defaultValue, int minimum, int maximum)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return defaultValue;
        }

        if (values.Count != 1
            || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < minimum || value > maximum)
        {
            throw BadParameterException.For(name, $"must be a whole number from {minimum} to {maximum}");
        }

        return value;
    }

    /// <summary>A line id parameter (an opaque string holding a positive number).</summary>
    public static long Id(string? text, string name)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw BadParameterException.For(name, "is required");
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            throw BadParameterException.For(name, $"'{Cut(text)}' is not a line id");
        }

        return id;
    }

    /// <summary>The cursor for the page after one that ended at <paramref name="last"/>.</summary>
    public static string Cursor(TimeRange range, LinePosition last)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{CursorVersion}.{range.From.UtcTicks}.{range.To.UtcTicks}.{last.Time.UtcTicks}.{last.Id}");
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The range and position a cursor holds; throws for one this server did not make.</summary>
    public static (TimeRange Range, LinePosition After) ParseCursor(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64)).Split('.');
            if (parts.Length == 5 && parts[0] == CursorVersion)
            {
                var numbers = parts.Skip(1).Select(part => long.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
                return (
                    new TimeRange(new DateTimeOffset(numbers[0], TimeSpan.Zero), new DateTimeOffset(numbers[1], TimeSpan.Zero)),
                    new LinePosition(new DateTimeOffset(numbers[2], TimeSpan.Zero), numbers[3]));
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            // Falls through to the error below.
        }

        throw BadParameterException.For("cursor", "is not a cursor this server gave (take it from a page's next)");
    }

    private static DateTimeOffset? Time(IQueryCollection query, string name, DateTimeOffset now)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        var text = values.Count == 1 ? values[0] : null;
        if (text is null || !DurationText.TryParseTime(text, now, out var time))
        {
            throw BadParameterException.For(name, $"'{Cut(values.ToString())}' is neither an RFC 3339 time (2026-12-06T07:00:00Z) nor a duration ago (15m, 2h, 7d)");
        }

        return Truncate(time);
    }

    private static DateTimeOffset Truncate(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static List<string> Values(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) ? values.Select(v => v ?? "").ToList() : [];

    private static string Cut(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
