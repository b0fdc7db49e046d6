using System.Text.RegularExpressions;

namespace RlogAgent.Configuration;

/// <summary>
/// <c>multiline</c> in a source of agent.yaml: joins the lines of one event (a stack trace, a
/// pretty-printed message) into one, after each record is decoded. A line matching
/// <see cref="StartPattern"/> starts an event; any other line continues the open one (joined by
/// <c>\n</c>), or starts an event of its own when none is open.
/// </summary>
public sealed record MultilineOptions
{
    /// <summary>Default of <c>max_lines</c>.</summary>
    public const int DefaultMaxLines = 500;

    /// <summary>Default of <c>timeout</c>: 1 second.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Shortest <c>timeout</c> agent.yaml accepts, 1 ms: the assembler's clock does not tell shorter ones apart.</summary>
    public const double MinTimeoutSeconds = 0.001;

    /// <summary>
    /// Longest <c>timeout</c> agent.yaml accepts, 1 hour: an open event holds its lines in memory and its
    /// file's checkpoint back, so a longer wait is a mistake.
    /// </summary>
    public const double MaxTimeoutSeconds = 3600;

    /// <summary>
    /// How long one line's start_pattern match may take before it is given up (the line is then taken
    /// as a start, and counted): a pattern that backtracks badly must not stall the file's reading.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <param name="startPattern">A line matching it starts a new event (use <see cref="CompileStartPattern"/>).</param>
    /// <param name="maxLines">Most lines in one event; the next continuation line starts a new, cut one. At least 1.</param>
    /// <param name="timeout">An open event with no next line goes out this long after its last line. More than zero.</param>
    public MultilineOptions(Regex startPattern, int maxLines, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(startPattern);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        StartPattern = startPattern;
        MaxLines = maxLines;
        Timeout = timeout;
    }

    /// <summary><c>start_pattern</c> (required): a .NET regular expression; it matches anywhere in the line unless anchored with <c>^</c>.</summary>
    public Regex StartPattern { get; }

    /// <summary><c>max_lines</c>: default <see cref="DefaultMaxLines"/> (500).</summary>
    public int MaxLines { get; }

    /// <summary><c>timeout</c> (seconds in agent.yaml): default <see cref="DefaultTimeout"/> (1 s).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Compiles a start_pattern from agent.yaml: culture-invariant, with <see cref="MatchTimeout"/>.
    /// RegexOptions.Compiled is interpreted under NativeAOT, which is fine. Throws
    /// <see cref="ArgumentException"/> for a pattern that is not a valid regular expression (its
    /// message says why: the loader reports it with the file and the field).
    /// </summary>
    public static Regex CompileStartPattern(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, MatchTimeout);
}
