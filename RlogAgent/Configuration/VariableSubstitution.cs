using System.Text;

namespace RlogAgent.Configuration;

/// <summary>
/// Replaces <c>${VAR}</c> and <c>${VAR:-default}</c> in agent.yaml's text with environment values
/// before the YAML is parsed, so one file serves many hosts and secrets stay out of it. <c>$$</c> is
/// a literal dollar; any other <c>$</c> is kept as it is. Whole-line comments are left untouched,
/// so an example in a comment never needs its variable set.
/// </summary>
public static class VariableSubstitution
{
    /// <summary>Returns <paramref name="text"/> with every reference replaced; an unset variable without a default is an error naming file, line and variable.</summary>
    public static string Apply(string text, string path, Func<string, string?> getVariable)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var lineNumber = 0;
        var start = 0;
        while (start < text.Length)
        {
            lineNumber++;
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            var line = text.AsSpan(start, end - start);
            if (line.TrimStart().StartsWith("#", StringComparison.Ordinal))
            {
                result.Append(line);
            }
            else
            {
                SubstituteLine(line, result, path, lineNumber, getVariable);
            }

            start = end;
        }

        return result.ToString();
    }

    private static void SubstituteLine(ReadOnlySpan<char> line, StringBuilder result, string path, int lineNumber, Func<string, string?> getVariable)
    {
        var i = 0;
        while (i < line.Length)
        {
            var dollar = line[i..].IndexOf('$');
            if (dollar < 0)
            {
                result.Append(line[i..]);
                return;
            }

            result.Append(line.Slice(i, dollar));
            i += dollar;
            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if (next == '$')
            {
                result.Append('$');
                i += 2;
                continue;
            }

            if (next != '{')
            {
                result.Append('$');
                i++;
                continue;
            }

            var close = line[(i + 2)..].IndexOf('}');
            if (close < 0)
            {
                throw new ConfigException(path, "", "'${' without a closing '}' (write $$ for a literal dollar)", lineNumber);
            }

            var reference = line.Slice(i + 2, close).ToString();
            result.Append(Resolve(reference, path, lineNumber, getVariable));
            i += close + 3;
        }
    }

    private static string Resolve(string reference, string path, int lineNumber, Func<string, string?> getVariable)
    {
        var separator = reference.IndexOf(":-", StringComparison.Ordinal);
        var name = separator < 0 ? reference : reference[..separator];
        if (!IsVariableName(name))
        {
            throw new ConfigException(path, "", $"'${{{reference}}}' is not a variable reference: write ${{NAME}} or ${{NAME:-default}}, or $$ for a literal dollar", lineNumber);
        }

        var value = getVariable(name);
        if (separator >= 0)
        {
            // As in the shell, ':-' also takes the default when the variable is set but empty.
            return string.IsNullOrEmpty(value) ? reference[(separator + 2)..] : value;
        }

        return value ?? throw new ConfigException(path, $"${{{name}}}", $"environment variable {name} is not set and has no default (write ${{{name}:-default}} to give one)", lineNumber);
    }

    private static bool IsVariableName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
