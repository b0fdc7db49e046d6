using System.Buffers.Text;
using System.Text;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// Normalises a level as logs write it to an OpenTelemetry SeverityNumber (TRACE 1, DEBUG 5, INFO 9,
/// WARN 13, ERROR 17, FATAL 21; the numbers between are finer steps). The README's table lists every
/// spelling: words in any case (<c>warning</c>, <c>err</c>, <c>crit</c>), the single letters of glog and
/// klog (<c>I</c>, <c>W</c>, <c>E</c>, <c>F</c>), syslog severities 0-7 and the numeric levels of
/// pino and bunyan (10-60).
/// </summary>
public static class SeverityLevels
{
    public const byte Trace = 1;
    public const byte Debug = 5;
    public const byte Info = 9;
    public const byte Notice = 10;
    public const byte Warn = 13;
    public const byte Error = 17;
    public const byte Fatal = 21;
    public const byte Alert = 22;
    public const byte Emergency = 23;

    /// <summary>Words longer than this are never levels.</summary>
    private const int LongestWord = 11;

    /// <summary>The OpenTelemetry short name of a SeverityNumber: TRACE, DEBUG, INFO, WARN, ERROR or FATAL; "" for 0.</summary>
    public static string Name(int number) => number switch
    {
        <= 0 => "",
        <= 4 => "TRACE",
        <= 8 => "DEBUG",
        <= 12 => "INFO",
        <= 16 => "WARN",
        <= 20 => "ERROR",
        _ => "FATAL",
    };

    /// <summary>The lowest SeverityNumber of a level name as <c>query --level</c> takes it (trace ... fatal, or the spellings below); 0 when unknown.</summary>
    public static byte FloorOf(string name) => TryParse(Encoding.UTF8.GetBytes(name), out var number) ? (byte)(((number - 1) / 4 * 4) + 1) : (byte)0;

    /// <summary>True when <paramref name="text"/> (a word or a number as the event wrote it) is a level.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out byte number)
    {
        number = 0;
        if (text.IsEmpty || text.Length > LongestWord)
        {
            return false;
        }

        if (Utf8Parser.TryParse(text, out int numeric, out var used) && used == text.Length)
        {
            number = FromNumber(numeric);
            return number != 0;
        }

        Span<byte> lower = stackalloc byte[LongestWord];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
            {
                c = (byte)(c + 32);
            }
            else if (c is < (byte)'a' or > (byte)'z')
            {
                return false;
            }

            lower[i] = c;
        }

        number = FromWord(lower[..text.Length]);
        return number != 0;
    }

    /// <summary>True for the words <see cref="TryParse"/> takes that are more than one letter: what detect_level looks for.</summary>
    public static bool IsLevelWord(ReadOnlySpan<byte> word, out byte number)
    {
        number = 0;
        return word.Length > 1 && TryParse(word, out number);
    }

    private static byte FromWord(ReadOnlySpan<byte> word) => word switch
    {
        _ when word.SequenceEqual("trace"u8) || word.SequenceEqual("trc"u8) || word.SequenceEqual("t"u8) || word.SequenceEqual("verbose"u8) => Trace,
        _ when word.SequenceEqual("debug"u8) || word.SequenceEqual("dbg"u8) || word.SequenceEqual("d"u8) => Debug,
        _ when word.SequenceEqual("info"u8) || word.SequenceEqual("information"u8) || word.SequenceEqual("inf"u8) || word.SequenceEqual("i"u8) => Info,
        _ when word.SequenceEqual("notice"u8) || word.SequenceEqual("n"u8) => Notice,
        _ when word.SequenceEqual("warn"u8) || word.SequenceEqual("warning"u8) || word.SequenceEqual("wrn"u8) || word.SequenceEqual("w"u8) => Warn,
        _ when word.SequenceEqual("error"u8) || word.SequenceEqual("err"u8) || word.SequenceEqual("e"u8) => Error,
        _ when word.SequenceEqual("fatal"u8) || word.SequenceEqual("critical"u8) || word.SequenceEqual("crit"u8) || word.SequenceEqual("f"u8) => Fatal,
        _ when word.SequenceEqual("alert"u8) || word.SequenceEqual("panic"u8) => Alert,
        _ when word.SequenceEqual("emerg"u8) || word.SequenceEqual("emergency"u8) => Emergency,
        _ => 0,
    };

    /// <summary>Syslog severities 0-7, and pino/bunyan levels 10-60.</summary>
    private static byte FromNumber(int value) => value switch
    {
        0 => Emergency,
        1 => Alert,
        2 => Fatal,
        3 => Error,
        4 => Warn,
        5 => Notice,
        6 => Info,
        7 => Debug,
        10 => Trace,
        20 => Debug,
        30 => Info,
        40 => Warn,
        50 => Error,
        60 => Fatal,
        _ => 0,
    };
}
