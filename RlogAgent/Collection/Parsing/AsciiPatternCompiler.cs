using System.Buffers;

namespace RlogAgent.Collection.Parsing;

/// <summary>Reads a pattern into steps; false at the first thing it does not run.</summary>
internal sealed class AsciiPatternCompiler(string pattern)
{
    private int _at;

    public List<string> Names { get; } = [];

    public bool AtEnd => _at == pattern.Length;

    public bool Sequence(List<AsciiPatternStep> steps, bool nested)
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
                    steps.Add(new AsciiPatternStep(AsciiPatternStepKind.Start));
                    continue;
                case '$':
                    _at++;
                    steps.Add(new AsciiPatternStep(AsciiPatternStepKind.End));
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

            steps.Add(new AsciiPatternStep(AsciiPatternStepKind.Repeat, atom, min, max, lazy, Stop: atom.Not().IsEmpty ? null : SearchValues.Create(atom.Not().Bytes())));
        }

        return !nested;
    }

    private bool Group(List<AsciiPatternStep> steps)
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
            steps.Add(new AsciiPatternStep(AsciiPatternStepKind.Open, Group: group));
        }

        if (!Sequence(steps, nested: true) || !Next(')'))
        {
            return false;
        }

        if (group >= 0)
        {
            steps.Add(new AsciiPatternStep(AsciiPatternStepKind.Close, Group: group));
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
