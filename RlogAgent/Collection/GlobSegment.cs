namespace RlogAgent.Collection;

/// <summary>
/// One path segment of a glob, matched as glob(7) matches a file name: <c>*</c> any run of
/// characters, <c>?</c> one character, <c>[abc]</c>, <c>[a-z]</c> and <c>[!...]</c> (or <c>[^...]</c>)
/// one character of (or not of) a set, <c>\</c> takes the next character literally. A leading dot
/// must be matched by a dot in the pattern, so <c>*.log</c> leaves hidden files alone.
/// (<c>**</c> and <c>{a,b}</c> are handled by <see cref="SourcePattern"/>, above single segments.)
/// </summary>
public sealed class GlobSegment
{
    private readonly string _pattern;

    public GlobSegment(string pattern)
    {
        _pattern = pattern;
        IsLiteral = pattern.IndexOfAny(['*', '?', '[', '\\']) < 0;
        Literal = IsLiteral ? pattern : Unescape(pattern);
    }

    /// <summary>True when the segment has no wildcard: it names one entry.</summary>
    public bool IsLiteral { get; }

    /// <summary>The name the segment matches, when <see cref="IsLiteral"/> (escapes removed).</summary>
    public string Literal { get; }

    public override string ToString() => _pattern;

    public bool IsMatch(string name)
    {
        if (IsLiteral)
        {
            return string.Equals(name, _pattern, StringComparison.Ordinal);
        }

        if (name.StartsWith('.') && !_pattern.StartsWith('.') && !_pattern.StartsWith("\\.", StringComparison.Ordinal))
        {
            return false;
        }

        return Match(_pattern, name);
    }

    /// <summary>Iterative wildcard match with one backtrack point (the last <c>*</c>): linear in practice.</summary>
    private static bool Match(string pattern, string name)
    {
        var p = 0;
        var n = 0;
        var starP = -1;
        var starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    starP = ++p;
                    starN = n;
                    continue;
                }

                if (c == '?')
                {
                    p++;
                    n++;
                    continue;
                }

                if (c == '[' && TryMatchSet(pattern, p, name[n], out var next, out var matched))
                {
                    if (matched)
                    {
                        p = next;
                        n++;
                        continue;
                    }
                }
                else
                {
                    var literal = c;
                    var width = 1;
                    if (c == '\\' && p + 1 < pattern.Length)
                    {
                        literal = pattern[p + 1];
                        width = 2;
                    }

                    if (literal == name[n])
                    {
                        p += width;
                        n++;
                        continue;
                    }
                }
            }

            if (starP < 0)
            {
                return false;
            }

            // Let the last * take one more character and try again from there.
            p = starP;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// Matches <paramref name="c"/> against the set starting at <paramref name="open"/> (a '[').
    /// False when the bracket is not closed: then it is an ordinary character, as glob(7) says.
    /// </summary>
    private static bool TryMatchSet(string pattern, int open, char c, out int next, out bool matched)
    {
        var i = open + 1;
        var negate = i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^');
        if (negate)
        {
            i++;
        }

        var found = false;
        var first = true;
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            var low = pattern[i];
            if (low == '\\' && i + 1 < pattern.Length)
            {
                low = pattern[++i];
            }

            var high = low;
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                high = pattern[i + 2];
                if (high == '\\' && i + 3 < pattern.Length)
                {
                    high = pattern[i + 3];
                    i++;
                }

                i += 2;
            }

            found |= c >= low && c <= high;
            i++;
        }

        if (i >= pattern.Length)
        {
            next = open;
            matched = false;
            return false;
        }

        next = i + 1;
        matched = found != negate;
        return true;
    }

    private static string Unescape(string pattern)
    {
        var chars = new System.Text.StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                i++;
            }

            chars.Append(pattern[i]);
        }

        return chars.ToString();
    }
}
