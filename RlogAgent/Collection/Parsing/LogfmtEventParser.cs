using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// <c>parse: format: logfmt</c>: <c>key=value</c> pairs separated by spaces, a value quoted when it
/// holds spaces (<c>msg="a \"b\""</c>, with <c>\"</c> and <c>\\</c> escapes). Read in place; a
/// quoted value with escapes is unescaped into a scratch buffer.
/// </summary>
public sealed class LogfmtEventParser : IEventParser
{
    private readonly KeyChoice _keys;
    private readonly byte[] _time = new byte[64];
    private byte[] _unescaped = new byte[256];

    public LogfmtEventParser(ParseOptions options)
    {
        _keys = new KeyChoice(options);
    }

    public void Parse(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        var timeRank = int.MaxValue;
        var timeLength = -1;
        var levelRank = int.MaxValue;
        var pairs = 0;
        var at = 0;
        while (at < text.Length)
        {
            while (at < text.Length && text[at] == ' ')
            {
                at++;
            }

            var keyStart = at;
            while (at < text.Length && text[at] != ' ' && text[at] != '=')
            {
                at++;
            }

            var key = text[keyStart..at];
            if (at >= text.Length || text[at] != '=')
            {
                continue;
            }

            at++;
            ReadOnlySpan<byte> value;
            if (at < text.Length && text[at] == '"')
            {
                var start = ++at;
                var escaped = false;
                while (at < text.Length && text[at] != '"')
                {
                    if (text[at] == '\\')
                    {
                        escaped = true;
                        at++;
                    }

                    at++;
                }

                if (at >= text.Length)
                {
                    result.Failure = $"the value of '{System.Text.Encoding.UTF8.GetString(key)}' has no closing quote";
                    return;
                }

                value = escaped ? Unescape(text[start..at]) : text[start..at];
                at++;
            }
            else
            {
                var start = at;
                while (at < text.Length && text[at] != ' ')
                {
                    at++;
                }

                value = text[start..at];
            }

            if (key.IsEmpty)
            {
                continue;
            }

            pairs++;
            if (!_keys.AllFields && !_keys.MayMatter(key))
            {
                continue;
            }

            var time = KeyChoice.Rank(_keys.TimeKeys, key);
            if (time >= 0 && time < timeRank && value.Length <= _time.Length)
            {
                timeRank = time;
                timeLength = value.Length;
                value.CopyTo(_time);
            }

            var level = KeyChoice.Rank(_keys.LevelKeys, key);
            if (level >= 0 && level < levelRank && result.TrySetLevel(value))
            {
                levelRank = level;
            }

            if ((_keys.AllFields && time < 0 && level < 0) || KeyChoice.Rank(_keys.Fields, key) >= 0)
            {
                result.Attributes.Add(key, value);
            }
        }

        if (pairs == 0)
        {
            result.Failure = "it holds no key=value pair";
            return;
        }

        if (timeLength >= 0)
        {
            _keys.SetTime(_time.AsSpan(0, timeLength), isNumber: false, result);
        }
    }

    private ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> quoted)
    {
        if (_unescaped.Length < quoted.Length)
        {
            _unescaped = new byte[quoted.Length];
        }

        var length = 0;
        for (var i = 0; i < quoted.Length; i++)
        {
            var c = quoted[i];
            if (c == '\\' && i + 1 < quoted.Length)
            {
                c = quoted[++i] switch
                {
                    (byte)'n' => (byte)'\n',
                    (byte)'t' => (byte)'\t',
                    var other => other,
                };
            }

            _unescaped[length++] = c;
        }

        return _unescaped.AsSpan(0, length);
    }
}
