using System.Text;
using System.Text.RegularExpressions;
using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// <c>parse: format: regex</c>: the pattern's named groups: <c>time</c> is the event's time,
/// <c>level</c> its level, and every other named group an attribute of that name. .NET regular
/// expressions work on UTF-16, so this parser makes a string of each event.
/// </summary>
public sealed class RegexEventParser : IEventParser
{
    private readonly Regex _pattern;
    private readonly KeyChoice _keys;
    private readonly (int Number, byte[] Name)[] _fields;
    private readonly int _time;
    private readonly int _level;
    private byte[] _value = new byte[256];

    public RegexEventParser(ParseOptions options)
    {
        // Its own copy: a source's parsers run on several threads at once.
        var pattern = UserPattern.CopyForThread(options.Pattern!);
        _pattern = pattern;
        _keys = new KeyChoice(options);
        _time = pattern.GroupNumberFromName(ParseOptions.TimeGroup);
        _level = pattern.GroupNumberFromName(ParseOptions.LevelGroup);
        _fields = pattern.GetGroupNames()
            .Where(n => !int.TryParse(n, out _) && n != ParseOptions.TimeGroup && n != ParseOptions.LevelGroup)
            .Select(n => (pattern.GroupNumberFromName(n), Encoding.UTF8.GetBytes(n)))
            .ToArray();
    }

    public void Parse(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        Match match;
        var ascii = Ascii.IsValid(text);
        try
        {
            match = _pattern.Match(Encoding.UTF8.GetString(text));
        }
        catch (RegexMatchTimeoutException)
        {
            result.Failure = $"the pattern took longer than {UserPattern.MatchTimeout.TotalMilliseconds} ms on it";
            return;
        }

        if (!match.Success)
        {
            result.Failure = "it does not match the pattern";
            return;
        }

        if (_level >= 0 && match.Groups[_level] is { Success: true } level)
        {
            result.TrySetLevel(Value(text, ascii, level));
        }

        foreach (var (number, name) in _fields)
        {
            if (match.Groups[number] is { Success: true } group)
            {
                result.Attributes.Add(name, Value(text, ascii, group));
            }
        }

        if (_time >= 0 && match.Groups[_time] is { Success: true } time)
        {
            _keys.SetTime(Value(text, ascii, time), isNumber: false, result);
        }
    }

    // A group's text as UTF-8: on an ASCII line a character is a byte, so it is the line's own
    // bytes at the group's place; otherwise the group's characters encoded again.
    private ReadOnlySpan<byte> Value(ReadOnlySpan<byte> text, bool ascii, Group group)
    {
        if (ascii)
        {
            return text.Slice(group.Index, group.Length);
        }

        var value = group.ValueSpan;
        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_value.Length < most)
        {
            _value = new byte[most];
        }

        return _value.AsSpan(0, Encoding.UTF8.GetBytes(value, _value));
    }
}
