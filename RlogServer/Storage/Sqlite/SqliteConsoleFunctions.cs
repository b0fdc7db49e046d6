using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>
/// SQL functions the console's searches need and SQLite lacks, registered on each read
/// connection: <c>REGEXP</c> (a .NET regular expression with a match timeout), a
/// case-insensitive substring test that knows more than ASCII, and an attribute lookup.
/// </summary>
internal static class SqliteConsoleFunctions
{
    /// <summary>How long one line may take to match a regular expression before the search fails.</summary>
    public static readonly TimeSpan RegexMatchTimeout = TimeSpan.FromSeconds(1);

    // Patterns compile once; a console sends the same few over and over.
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    private const int MaxCachedPatterns = 256;

    public static void Register(SqliteConnection connection)
    {
        // "X REGEXP Y" calls regexp(Y, X).
        connection.CreateFunction("regexp", (string pattern, string line) => Pattern(pattern).IsMatch(line), isDeterministic: true);
        connection.CreateFunction(
            "rlog_icontains",
            (string line, string part) => line.Contains(part, StringComparison.OrdinalIgnoreCase),
            isDeterministic: true);
        connection.CreateFunction("rlog_attr", (string? attributes, string key) => Attribute(attributes, key), isDeterministic: true);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="pattern"/> is not a .NET regular expression.</summary>
    public static void Validate(string pattern) => _ = Pattern(pattern);

    private static Regex Pattern(string pattern)
    {
        if (Patterns.TryGetValue(pattern, out var regex))
        {
            return regex;
        }

        regex = new Regex(pattern, RegexOptions.CultureInvariant, RegexMatchTimeout);
        if (Patterns.Count >= MaxCachedPatterns)
        {
            Patterns.Clear();
        }

        Patterns[pattern] = regex;
        return regex;
    }

    // The value of one attribute in the stored JSON object, or null.
    private static string? Attribute(string? attributes, string key)
    {
        if (attributes is null)
        {
            return null;
        }

        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(attributes));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(key);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }
}
