using System.Text.RegularExpressions;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// The fast path of <c>parse: format: regex</c>. NativeAOT has no compiled regular expressions, and
/// .NET's interpreter, with a <see cref="Match"/> and a <see cref="Group"/> object per event, is most
/// of what a regex parse costs. The patterns log lines are parsed with are mostly a row of literals,
/// character classes with quantifiers and named groups (<c>^(?&lt;time&gt;\S+) \[(?&lt;level&gt;\w+)\] (?&lt;msg&gt;.*)$</c>).
/// Such a pattern is compiled here into steps that run over the line's bytes, when the line is
/// ASCII and one line: there a character is a byte, and the classes need only their ASCII half.
/// The steps backtrack in .NET's order (leftmost start, greedy or lazy as written), so they find
/// the match .NET finds, with the same groups (a test compares them on many lines and patterns).
/// Anything else (alternation, a quantified group, lookaround, backreferences, options, escapes not
/// listed below) compiles to nothing, and the line goes to <see cref="Regex"/> as before; so does a
/// line whose match takes more than a budget of steps, where .NET's match timeout then applies.
/// </summary>
public sealed class AsciiPattern
{
    private readonly AsciiPatternStep[] _steps;
    private readonly bool _anchored;

    private AsciiPattern(AsciiPatternStep[] steps, string[] names)
    {
        _steps = steps;
        Names = names;
        _anchored = steps.Length > 0 && steps[0].Kind == AsciiPatternStepKind.Start;
    }

    /// <summary>What a match came to.</summary>
    public enum Outcome
    {
        /// <summary>It matched: the groups' places are set.</summary>
        Matched,

        /// <summary>It does not match.</summary>
        NoMatch,

        /// <summary>It ran out of steps: let <see cref="Regex"/> decide.</summary>
        GaveUp,
    }

    /// <summary>The named groups, in the order their places are given.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The pattern as steps over ASCII bytes, or null when it is not one this class runs.</summary>
    public static AsciiPattern? TryCompile(Regex pattern)
    {
        if ((pattern.Options & ~RegexOptions.CultureInvariant) != 0)
        {
            return null;
        }

        var compiler = new AsciiPatternCompiler(pattern.ToString());
        var steps = new List<AsciiPatternStep>();
        return compiler.Sequence(steps, nested: false) && compiler.AtEnd ? new AsciiPattern([.. steps], [.. compiler.Names]) : null;
    }

    /// <summary>
    /// Matches <paramref name="text"/> (ASCII, no line feed: the caller checks); on a match,
    /// <paramref name="starts"/> and <paramref name="ends"/> hold each named group's place.
    /// </summary>
    public Outcome Match(ReadOnlySpan<byte> text, Span<int> starts, Span<int> ends)
    {
        var budget = 4096 + (64 * text.Length);
        for (var start = 0; start <= text.Length; start++)
        {
            if (Run(0, start, text, starts, ends, ref budget))
            {
                return Outcome.Matched;
            }

            if (budget <= 0)
            {
                return Outcome.GaveUp;
            }

            if (_anchored)
            {
                break;
            }
        }

        return Outcome.NoMatch;
    }

    private bool Run(int index, int at, ReadOnlySpan<byte> text, Span<int> starts, Span<int> ends, ref int budget)
    {
        if (--budget <= 0)
        {
            return false;
        }

        if (index == _steps.Length)
        {
            return true;
        }

        ref readonly var step = ref _steps[index];
        switch (step.Kind)
        {
            case AsciiPatternStepKind.Start:
                return at == 0 && Run(index + 1, at, text, starts, ends, ref budget);
            case AsciiPatternStepKind.End:
                return at == text.Length && Run(index + 1, at, text, starts, ends, ref budget);
            case AsciiPatternStepKind.Open:
            {
                var before = starts[step.Group];
                starts[step.Group] = at;
                if (Run(index + 1, at, text, starts, ends, ref budget))
                {
                    return true;
                }

                starts[step.Group] = before;
                return false;
            }

            case AsciiPatternStepKind.Close:
            {
                var before = ends[step.Group];
                ends[step.Group] = at;
                if (Run(index + 1, at, text, starts, ends, ref budget))
                {
                    return true;
                }

                ends[step.Group] = before;
                return false;
            }

            case AsciiPatternStepKind.Repeat when step.Max == 1 && step.Min == 1:
                // One character, the common case between runs (a space, a bracket).
                return at < text.Length && step.Class.Contains(text[at]) && Run(index + 1, at + 1, text, starts, ends, ref budget);
            default:
            {
                // A class repeated Min to Max times: count how far it could run, then try the
                // lengths in the order .NET does (longest first when greedy).
                var room = Math.Min(step.Max, text.Length - at);
                var most = step.Stop is null ? room : text.Slice(at, room).IndexOfAny(step.Stop);
                if (most < 0)
                {
                    most = room;
                }

                budget -= most;
                if (most < step.Min)
                {
                    return false;
                }

                if (step.Lazy)
                {
                    for (var n = step.Min; n <= most; n++)
                    {
                        if (Run(index + 1, at + n, text, starts, ends, ref budget))
                        {
                            return true;
                        }

                        if (budget <= 0)
                        {
                            return false;
                        }
                    }
                }
                else
                {
                    for (var n = most; n >= step.Min; n--)
                    {
                        if (Run(index + 1, at + n, text, starts, ends, ref budget))
                        {
                            return true;
                        }

                        if (budget <= 0)
                        {
                            return false;
                        }
                    }
                }

                return false;
            }
        }
    }
}
