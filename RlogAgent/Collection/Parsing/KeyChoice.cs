using System.Text;
using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// The keys json and logfmt parsers look for: the time and level keys (the one configured, or the
/// defaults in order of preference) and the fields to copy, as UTF-8, compared with no string.
/// </summary>
public sealed class KeyChoice
{
    public KeyChoice(ParseOptions options)
    {
        Options = options;
        TimeKeys = Utf8(options.TimeKey is { } time ? [time] : ParseOptions.DefaultTimeKeys);
        LevelKeys = Utf8(options.LevelKey is { } level ? [level] : ParseOptions.DefaultLevelKeys);
        AllFields = options.Fields.Contains(ParseOptions.AllFields);
        Fields = Utf8(options.Fields.Where(f => f != ParseOptions.AllFields).ToList());
        foreach (var key in TimeKeys.Concat(LevelKeys).Concat(Fields))
        {
            if (key.Length is > 0 and < 64)
            {
                _firstBytes[key.Length] |= 1UL << (key[0] & 63);
            }
            else
            {
                _long = true;
            }
        }
    }

    // Per key length (up to 63), a bit per first byte (its low 6 bits) of the keys looked for.
    private readonly ulong[] _firstBytes = new ulong[64];
    private readonly bool _long;

    /// <summary>
    /// False when no key looked for has <paramref name="key"/>'s length and first byte: most of a
    /// line's keys are passed over with one bit test instead of a comparison with every key.
    /// </summary>
    public bool MayMatter(ReadOnlySpan<byte> key) =>
        key.Length is > 0 and < 64 ? ((_firstBytes[key.Length] >> (key[0] & 63)) & 1) != 0 : _long;

    public ParseOptions Options { get; }

    public byte[][] TimeKeys { get; }

    public byte[][] LevelKeys { get; }

    public byte[][] Fields { get; }

    /// <summary>True for <c>fields: ["*"]</c>: every top-level scalar.</summary>
    public bool AllFields { get; }

    /// <summary>Where <paramref name="key"/> ranks among <paramref name="keys"/> (0 is preferred), or -1.</summary>
    public static int Rank(byte[][] keys, ReadOnlySpan<byte> key)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            if (key.SequenceEqual(keys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads the time text found under a time key into <paramref name="result"/>, or says why it could not.</summary>
    public void SetTime(ReadOnlySpan<byte> text, bool isNumber, ParsedEvent result)
    {
        var format = Options.TimeFormat;
        var parsed = isNumber && format.Kind == TimeFormatKind.Rfc3339
            ? EventTime.TryUnixGuess(text, out var ticks)
            : EventTime.TryParse(text, format, Options.TimeZone, out ticks);
        if (parsed)
        {
            result.TimeTicks = ticks;
        }
        else
        {
            result.Failure = $"the time '{Encoding.UTF8.GetString(text[..Math.Min(text.Length, 64)])}' is not {format}";
        }
    }

    private static byte[][] Utf8(IReadOnlyList<string> keys) => keys.Select(Encoding.UTF8.GetBytes).ToArray();
}
