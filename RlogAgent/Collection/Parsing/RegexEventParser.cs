using System.Text;
using System.Text.RegularExpressions;
using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// <c>parse: format: regex</c>: the pattern's named groups: <c>time</c> is the event's time,
/// <c>level</c> its level, and every other named group an attribute of that name. A pattern that
/// <see cref="AsciiPattern"/> runs is matched by it on the bytes of an ASCII line; anything else
/// goes to .NET's <see cref="Regex"/>, which works on UTF-16, so this parser then makes a string of
/// the event.
/// </summary>
public sealed class RegexEventParser : IEventParser
{
    private const string NoMatch = "it does not match the pattern";

    private readonly Regex _pattern;
    private readonly KeyChoice _keys;
    private readonly (int Number, byte[] Name)[] _fields;
    private readonly int _time;
    private readonly int _level;
    private readonly AsciiPattern? _fast;
    private readonly int _fastTime;
    private readonly int _fastLevel;
    private readonly (int Index, byte[] Name)[] _fastFields = [];
    private readonly int[] _starts = [];
    private readonly int[] _ends = [];
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

        // The same groups, in the same order, when the pattern is one AsciiPattern runs.
        if (AsciiPattern.TryCompile(pattern) is { } fast)
        {
            var names = fast.Names.ToList();
            var fields = _fields.Select(f => (Index: names.IndexOf(Encoding.UTF8.GetString(f.Name)), f.Name)).ToArray();
            if (fields.All(f => f.Index >= 0))
            {
                _fast = fast;
                _fastFields = fields;
                _fastTime = names.IndexOf(ParseOptions.TimeGroup);
                _fastLevel = names.IndexOf(ParseOptions.LevelGroup);
                _starts = new int[names.Count];
                _ends = new int[names.Count];
            }
        }
    }

    public void Parse(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        var ascii = Ascii.IsValid(text);
        if (_fast is not null && ascii && !text.Contains((byte)'\n'))
        {
            switch (_fast.Match(text, _starts, _ends))
            {
                case AsciiPattern.Outcome.Matched:
                    Matched(text, result);
                    return;
                case AsciiPattern.Outcome.NoMatch:
                    result.Failure = NoMatch;
                    return;
            }
        }

        Match match;
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
            result.Failure = NoMatch;
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

    // What AsciiPattern matched, given to the event as the Match path below does.
    private void Matched(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        if (_fastLevel >= 0)
        {
            result.TrySetLevel(text[_starts[_fastLevel].._ends[_fastLevel]]);
        }

        foreach (var (index, name) in _fastFields)
        {
            result.Attributes.Add(name, text[_starts[index].._ends[index]]);
        }

        if (_fastTime >= 0)
        {
            _keys.SetTime(text[_starts[_fastTime].._ends[_fastTime]], isNumber: false, result);
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
