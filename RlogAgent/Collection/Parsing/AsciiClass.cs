using System.Numerics;
using System.Runtime.CompilerServices;

namespace RlogAgent.Collection.Parsing;

/// <summary>A set of ASCII characters (what a class matches on an ASCII line), as 128 bits.</summary>
public readonly record struct AsciiClass(ulong Low, ulong High)
{
    /// <summary><c>\d</c> on ASCII: 0-9.</summary>
    public static AsciiClass Digit => Range('0', '9');

    /// <summary><c>\w</c> on ASCII: letters, digits and the underscore.</summary>
    public static AsciiClass Word => Range('a', 'z').Or(Range('A', 'Z')).Or(Digit).Or(Of('_'));

    /// <summary><c>\s</c> on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.</summary>
    public static AsciiClass Space => Range('\t', '\r').Or(Of(' '));

    /// <summary><c>.</c>: anything but a line feed.</summary>
    public static AsciiClass AnyButLineFeed => Of('\n').Not();

    /// <summary>The one character of a class made by <see cref="Of"/>.</summary>
    public int Single => Low != 0 ? BitOperations.TrailingZeroCount(Low) : 64 + BitOperations.TrailingZeroCount(High);

    public static AsciiClass Of(char c) => c < 64 ? new AsciiClass(1UL << c, 0) : new AsciiClass(0, 1UL << (c - 64));

    public static AsciiClass Range(char low, char high)
    {
        var set = default(AsciiClass);
        for (var c = low; c <= high; c++)
        {
            set = set.Or(Of(c));
        }

        return set;
    }

    /// <summary>Whether no ASCII character is in the class.</summary>
    public bool IsEmpty => Low == 0 && High == 0;

    /// <summary>The class's characters as bytes, in order.</summary>
    public byte[] Bytes() => [.. Enumerable.Range(0, 128).Select(b => (byte)b).Where(Contains)];

    public AsciiClass Or(AsciiClass other) => new(Low | other.Low, High | other.High);

    /// <summary>Every ASCII character not in this class.</summary>
    public AsciiClass Not() => new(~Low, ~High);

    /// <summary>Whether <paramref name="b"/> (an ASCII byte) is in the class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(byte b) => b < 64 ? ((Low >> b) & 1) != 0 : ((High >> (b & 63)) & 1) != 0 && b < 128;
}
