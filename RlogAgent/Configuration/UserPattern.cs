using System.Text.RegularExpressions;

namespace RlogAgent.Configuration;

/// <summary>
/// Compiles a regular expression from agent.yaml that runs on every event (<c>drop</c>, <c>redact</c>,
/// <c>parse.pattern</c>) so that no line can stall its source: with <see cref="RegexOptions.NonBacktracking"/>,
/// whose time is linear in the input, wherever the pattern allows it; a pattern that needs
/// backtracking (lookarounds, backreferences, atomic groups) gets a match timeout instead.
/// </summary>
public static class UserPattern
{
    /// <summary>How long one match may take for a pattern that needs backtracking.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Compiles <paramref name="pattern"/>; throws <see cref="ArgumentException"/> when it is not a valid .NET regular expression.</summary>
    public static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
    }
}
