using System.Text;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The texts every match of a PostgreSQL regular expression (advanced syntax, matched with
/// <c>~</c>) must contain, so that the search segments (<see cref="PostgresLineGrams"/>) can rule
/// lines out for a regex as for a substring: <c>status=50[3]</c> needs <c>status=50</c>.
/// <para>
/// Only the pattern's top level is read: a run of plain characters, each neither optional
/// (<c>?</c>, <c>*</c>, a bound) nor an escape that stands for something else, is required.
/// Groups, bracket expressions, <c>.</c>, anchors and class escapes end a run and are skipped
/// whole. A top-level alternation is read branch by branch (<see cref="Branches"/>):
/// <c>timeout|refused</c> needs one of its two texts. A pattern read another way than plain (a
/// director <c>***</c>, embedded options such as <c>(?i)</c>), or an escape this reader does not
/// know, gives no text: the search then reads every line, as it did before. Leaving a piece out
/// only lets more segments through; a piece no match must contain would lose lines.
/// </para>
/// </summary>
internal static class RegexLiterals
{
    // Escapes of one letter that stand for a class, a constraint or one control character: each
    // ends a run. Others (\x, \u, \U, \c, digits for octal or back references) are not read.
    private const string OneLetterEscapes = "dDwWsSmMyYAZtnrfvabBe";

    /// <summary>
    /// The branches of a pattern's top-level alternation (one for a pattern without any), each as
    /// the texts of at least <paramref name="minBytes"/> bytes that every match through it must
    /// contain: a line matches only if it holds every text of one branch. Empty when one branch has
    /// no such text, or the pattern is not read (then nothing can be ruled out).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Branches(string pattern, int minBytes)
    {
        if (IsReadAnotherWay(pattern))
        {
            return [];
        }

        var branches = new List<IReadOnlyList<string>>();
        var start = 0;
        var i = 0;
        while (i <= pattern.Length)
        {
            if (i == pattern.Length || pattern[i] == '|')
            {
                var required = Required(pattern[start..i], minBytes);
                if (required.Count == 0)
                {
                    return [];
                }

                branches.Add(required);
                start = i + 1;
                i++;
                continue;
            }

            // Past what may hold a | that does not split the pattern: an escape, a group, a bracket expression.
            i = pattern[i] switch
            {
                '\\' => i + 2,
                '(' => AfterGroup(pattern, i),
                '[' => AfterBracket(pattern, i),
                _ => i + 1,
            };
            if (i < 0 || i > pattern.Length)
            {
                // Not closed, or a backslash at the end.
                return [];
            }
        }

        return branches;
    }

    /// <summary>The texts (each at least <paramref name="minBytes"/> bytes in UTF-8) every match must contain; empty when none is known.</summary>
    public static IReadOnlyList<string> Required(string pattern, int minBytes)
    {
        if (IsReadAnotherWay(pattern))
        {
            return [];
        }

        var runs = new List<string>();
        var run = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            int next;
            if (c is '|' or ')' or '*' or '+' or '?' or '{')
            {
                // An alternation at the top level, or a quantifier or parenthesis with nothing
                // before it to apply to: nothing is certain.
                return [];
            }

            if (c == '\\' && i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]))
            {
                // \. \\ \* ...: the character itself.
                next = AddCharacter(pattern, i + 1, run, runs);
            }
            else if (c is '(' or '[' or '.' or '^' or '$' or ']' or '}' or '\\')
            {
                EndRun(run, runs);
                next = AfterAtom(pattern, i);
            }
            else
            {
                next = AddCharacter(pattern, i, run, runs);
            }

            if (next < 0)
            {
                return [];
            }

            i = next;
        }

        EndRun(run, runs);
        return runs.Where(r => Encoding.UTF8.GetByteCount(r) >= minBytes).Distinct(StringComparer.Ordinal).ToList();
    }

    // A director (***= for a literal, ***: for advanced syntax) or embedded options such as (?i)
    // for case-insensitive matching: the pattern is not what this reader reads.
    private static bool IsReadAnotherWay(string pattern) =>
        pattern.StartsWith("***", StringComparison.Ordinal)
        || (pattern.StartsWith("(?", StringComparison.Ordinal) && pattern.Length > 2 && char.IsAsciiLetter(pattern[2]));

    // Past the atom at i that is not a plain character, and its quantifier; -1 when it is not
    // closed or is an escape this reader does not know.
    private static int AfterAtom(string pattern, int i) =>
        pattern[i] switch
        {
            '(' => AfterQuantifier(pattern, AfterGroup(pattern, i)),
            '[' => AfterQuantifier(pattern, AfterBracket(pattern, i)),
            '\\' => i + 1 < pattern.Length && OneLetterEscapes.Contains(pattern[i + 1], StringComparison.Ordinal)
                ? AfterQuantifier(pattern, i + 2)
                : -1,
            _ => AfterQuantifier(pattern, i + 1),
        };

    // The character (a surrogate pair is one) at i, added to the run unless a quantifier that
    // allows none of it follows; returns where the next atom starts, or -1.
    private static int AddCharacter(string pattern, int i, StringBuilder run, List<string> runs)
    {
        var length = char.IsHighSurrogate(pattern[i]) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]) ? 2 : 1;
        var after = i + length;
        var next = AfterQuantifier(pattern, after);
        if (next < 0)
        {
            return -1;
        }

        if (next == after)
        {
            run.Append(pattern, i, length);
        }
        else if (pattern[after] == '+')
        {
            // Once at least, then maybe more: the run can go on no further than this character.
            run.Append(pattern, i, length);
            EndRun(run, runs);
        }
        else
        {
            EndRun(run, runs);
        }

        return next;
    }

    private static void EndRun(StringBuilder run, List<string> runs)
    {
        if (run.Length > 0)
        {
            runs.Add(run.ToString());
            run.Clear();
        }
    }

    // Past a quantifier at i (*, +, ?, {m,n}, each maybe followed by ? for the lazy form), or i
    // when there is none; -1 when a bound is not closed.
    private static int AfterQuantifier(string pattern, int i)
    {
        if (i < 0 || i >= pattern.Length)
        {
            return i;
        }

        int next;
        switch (pattern[i])
        {
            case '*':
            case '+':
            case '?':
                next = i + 1;
                break;
            case '{':
                var close = pattern.IndexOf('}', i + 1);
                if (close < 0)
                {
                    return -1;
                }

                next = close + 1;
                break;
            default:
                return i;
        }

        return next < pattern.Length && pattern[next] == '?' ? next + 1 : next;
    }

    // Past the group that opens at i (nested groups, bracket expressions and escapes within it
    // skipped), or -1 when it is not closed.
    private static int AfterGroup(string pattern, int i)
    {
        var depth = 0;
        var j = i;
        while (j < pattern.Length)
        {
            switch (pattern[j])
            {
                case '\\':
                    j += 2;
                    continue;
                case '[':
                    j = AfterBracket(pattern, j);
                    if (j < 0)
                    {
                        return -1;
                    }

                    continue;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        return j + 1;
                    }

                    break;
            }

            j++;
        }

        return -1;
    }

    // Past the bracket expression that opens at i: a ] first (after an optional ^) is a member,
    // [:class:], [.element.] and [=class=] are read whole, and a backslash escapes the next
    // character (as it does in advanced syntax). -1 when it is not closed.
    private static int AfterBracket(string pattern, int i)
    {
        var j = i + 1;
        if (j < pattern.Length && pattern[j] == '^')
        {
            j++;
        }

        if (j < pattern.Length && pattern[j] == ']')
        {
            j++;
        }

        while (j < pattern.Length)
        {
            var c = pattern[j];
            if (c == '[' && j + 1 < pattern.Length && pattern[j + 1] is ':' or '.' or '=')
            {
                var close = pattern.IndexOf(string.Concat(pattern[j + 1], "]"), j + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    return -1;
                }

                j = close + 2;
                continue;
            }

            if (c == '\\')
            {
                j += 2;
                continue;
            }

            if (c == ']')
            {
                return j + 1;
            }

            j++;
        }

        return -1;
    }
}
