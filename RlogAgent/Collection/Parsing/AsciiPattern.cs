using System.Buffers;
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
    private readonly Step[] _steps;
    private readonly bool _anchored;

    private AsciiPattern(Step[] steps, string[] names)
    {
        _steps = steps;
        Names = names;
        _anchored = steps.Length > 0 && steps[0].Kind == StepKind.Start;
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

        var compiler = new Compiler(pattern.ToString());
        var steps = new List<Step>();
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
            case StepKind.Start:
                return at == 0 && Run(index + 1, at, text, starts, ends, ref budget);
            case StepKind.End:
                return at == text.Length && Run(index + 1, at, text, starts, ends, ref budget);
            case StepKind.Open:
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

            case StepKind.Close:
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

            case StepKind.Repeat when step.Max == 1 && step.Min == 1:
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

    private enum StepKind : byte
    {
        Repeat,
        Start,
        End,
        Open,
        Close,
    }

    // Stop: for a repeat, the ASCII bytes outside its class (null when there are none), so that
    // how far it runs is one vectorized search.
    private readonly record struct Step(StepKind Kind, AsciiClass Class = default, int Min = 1, int Max = 1, bool Lazy = false, int Group = 0, SearchValues<byte>? Stop = null);

    /// <summary>Reads a pattern into steps; false at the first thing it does not run.</summary>
    private sealed class Compiler(string pattern)
    {
        private int _at;

        public List<string> Names { get; } = [];

        public bool AtEnd => _at == pattern.Length;

        public bool Sequence(List<Step> steps, bool nested)
        {
            while (_at < pattern.Length)
            {
                var c = pattern[_at];
                switch (c)
                {
                    case ')':
                        return nested;
                    case '|' or '*' or '+' or '?' or '{':
                        return false;
                    case '(':
                        if (!Group(steps))
                        {
                            return false;
                        }

                        continue;
                    case '^':
                        _at++;
                        steps.Add(new Step(StepKind.Start));
                        continue;
                    case '$':
                        _at++;
                        steps.Add(new Step(StepKind.End));
                        continue;
                }

                if (!Atom(out var atom))
                {
                    return false;
                }

                if (!Quantifier(out var min, out var max, out var lazy))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Repeat, atom, min, max, lazy, Stop: atom.Not().IsEmpty ? null : SearchValues.Create(atom.Not().Bytes())));
            }

            return !nested;
        }

        private bool Group(List<Step> steps)
        {
            _at++;
            var group = -1;
            if (_at < pattern.Length && pattern[_at] == '?')
            {
                _at++;
                if (Next(':'))
                {
                    // (?:...): a group that captures nothing.
                }
                else if (Next('<') || Next('\''))
                {
                    var close = pattern[_at - 1] == '<' ? '>' : '\'';
                    var nameStart = _at;
                    while (_at < pattern.Length && (char.IsAsciiLetterOrDigit(pattern[_at]) || pattern[_at] == '_'))
                    {
                        _at++;
                    }

                    var name = pattern[nameStart.._at];
                    if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !Next(close) || Names.Contains(name))
                    {
                        return false;
                    }

                    group = Names.Count;
                    Names.Add(name);
                }
                else
                {
                    return false;
                }
            }

            if (group >= 0)
            {
                steps.Add(new Step(StepKind.Open, Group: group));
            }

            if (!Sequence(steps, nested: true) || !Next(')'))
            {
                return false;
            }

            if (group >= 0)
            {
                steps.Add(new Step(StepKind.Close, Group: group));
            }

            // A quantified group backtracks in ways these steps do not follow.
            return _at >= pattern.Length || pattern[_at] is not ('*' or '+' or '?' or '{');
        }

        private bool Atom(out AsciiClass atom)
        {
            atom = default;
            var c = pattern[_at++];
            switch (c)
            {
                case '.':
                    atom = AsciiClass.AnyButLineFeed;
                    return true;
                case '[':
                    return Bracket(out atom);
                case '\\':
                    return Escape(out atom, inBracket: false);
                default:
                    if (c is < ' ' or > '~')
                    {
                        return false;
                    }

                    atom = AsciiClass.Of(c);
                    return true;
            }
        }

        private bool Escape(out AsciiClass atom, bool inBracket)
        {
            atom = default;
            if (_at >= pattern.Length)
            {
                return false;
            }

            var c = pattern[_at++];
            switch (c)
            {
                case 'd': atom = AsciiClass.Digit; return true;
                case 'D': atom = AsciiClass.Digit.Not(); return true;
                case 'w': atom = AsciiClass.Word; return true;
                case 'W': atom = AsciiClass.Word.Not(); return true;
                case 's': atom = AsciiClass.Space; return true;
                case 'S': atom = AsciiClass.Space.Not(); return true;
                case 't': atom = AsciiClass.Of('\t'); return true;
                case 'n': atom = AsciiClass.Of('\n'); return true;
                case 'r': atom = AsciiClass.Of('\r'); return true;
                case 'f': atom = AsciiClass.Of('\f'); return true;
                case 'v': atom = AsciiClass.Of('\v'); return true;
                case 'e': atom = AsciiClass.Of('\u001b'); return true;
                default:
                    // An escaped punctuation mark is itself; letters and digits are other things
                    // (\b, \A, \1, \p, \x, ...), and in brackets \b is a backspace.
                    if (c is < '!' or > '~' || char.IsAsciiLetterOrDigit(c) || (inBracket && c == 'b'))
                    {
                        return false;
                    }

                    atom = AsciiClass.Of(c);
                    return true;
            }
        }

        private bool Bracket(out AsciiClass atom)
        {
            atom = default;
            var negated = Next('^');
            var set = default(AsciiClass);
            var first = true;
            while (_at < pattern.Length && (pattern[_at] != ']' || first))
            {
                if (pattern[_at] is ']' or '[')
                {
                    // "[]...]" and "[[...]": rare, and read differently by different engines.
                    return false;
                }

                first = false;
                if (!BracketItem(out var low, out var item))
                {
                    return false;
                }

                if (_at + 1 < pattern.Length && pattern[_at] == '-' && pattern[_at + 1] != ']')
                {
                    if (low < 0)
                    {
                        // "[\d-z]": read differently by different engines; left to .NET.
                        return false;
                    }

                    _at++;
                    if (!BracketItem(out var high, out _) || high < low)
                    {
                        return false;
                    }

                    item = AsciiClass.Range((char)low, (char)high);
                }

                set = set.Or(item);
            }

            if (!Next(']'))
            {
                return false;
            }

            atom = negated ? set.Not() : set;
            return true;
        }

        // One character of a bracket (low: its code, for a range) or a class escape (low: -1).
        private bool BracketItem(out int low, out AsciiClass item)
        {
            low = -1;
            item = default;
            if (_at >= pattern.Length)
            {
                return false;
            }

            var c = pattern[_at++];
            if (c == '\\')
            {
                var escaped = _at < pattern.Length ? pattern[_at] : '\0';
                if (!Escape(out item, inBracket: true))
                {
                    return false;
                }

                if (escaped is not ('d' or 'D' or 'w' or 'W' or 's' or 'S'))
                {
                    low = item.Single;
                }

                return true;
            }

            if (c is < ' ' or > '~')
            {
                return false;
            }

            low = c;
            item = AsciiClass.Of(c);
            return true;
        }

        private bool Quantifier(out int min, out int max, out bool lazy)
        {
            (min, max, lazy) = (1, 1, false);
            if (_at >= pattern.Length)
            {
                return true;
            }

            switch (pattern[_at])
            {
                case '*': (min, max) = (0, int.MaxValue); _at++; break;
                case '+': (min, max) = (1, int.MaxValue); _at++; break;
                case '?': (min, max) = (0, 1); _at++; break;
                case '{':
                    if (!Counted(out min, out max))
                    {
                        return false;
                    }

                    break;
                default:
                    return true;
            }

            lazy = Next('?');
            return _at >= pattern.Length || pattern[_at] is not ('*' or '+' or '{');
        }

        // {n}, {n,} or {n,m}; anything else after '{' is not run here.
        private bool Counted(out int min, out int max)
        {
            (min, max) = (0, 0);
            _at++;
            if (!Number(out min))
            {
                return false;
            }

            max = min;
            if (Next(','))
            {
                max = int.MaxValue;
                if (_at < pattern.Length && pattern[_at] != '}' && !Number(out max))
                {
                    return false;
                }
            }

            return Next('}') && max >= min;
        }

        private bool Number(out int value)
        {
            value = 0;
            var start = _at;
            while (_at < pattern.Length && char.IsAsciiDigit(pattern[_at]) && _at - start < 6)
            {
                value = (value * 10) + (pattern[_at++] - '0');
            }

            return _at > start && (_at >= pattern.Length || !char.IsAsciiDigit(pattern[_at]));
        }

        private bool Next(char c)
        {
            if (_at < pattern.Length && pattern[_at] == c)
            {
                _at++;
                return true;
            }

            return false;
        }
    }
}
