using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// The fast path of <c>parse: format: json</c>: most JSON log lines are one flat object of
/// strings without escapes, numbers and literals (<c>{"ts":"...","level":"INFO","msg":"...","status":200}</c>).
/// Such a line is scanned here in one pass over its bytes, its pairs noted as offsets into it.
/// Anything else (an escape, a nested object or array, a byte JSON does not allow, trailing
/// text) is not judged here: <see cref="TryScan"/> says no, and <see cref="System.Text.Json.Utf8JsonReader"/>
/// reads the line, so every verdict on a line that is not plain stays the reader's. What this
/// scanner accepts, the reader accepts with the same pairs (a test compares them on many lines).
/// Like the reader, it leaves the UTF-8 of strings unchecked.
/// </summary>
public static class FlatJsonObject
{
    /// <summary>
    /// Scans <paramref name="text"/> as one flat object into <paramref name="pairs"/> (grown when
    /// needed); false when the line is not plain enough to be judged here.
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> text, ref JsonPair[] pairs, out int count)
    {
        count = 0;

        // Before the object, spaces and tabs only: what the reader's path lets through.
        var at = 0;
        while (at < text.Length && text[at] is (byte)' ' or (byte)'\t')
        {
            at++;
        }

        if (at >= text.Length || text[at] != (byte)'{')
        {
            return false;
        }

        at = SkipSpace(text, at + 1);
        if (at < text.Length && text[at] == (byte)'}')
        {
            return SkipSpace(text, at + 1) == text.Length;
        }

        while (true)
        {
            if (at >= text.Length || text[at] != (byte)'"' || !TryString(text, at + 1, out var keyEnd))
            {
                return false;
            }

            var keyStart = at + 1;
            at = SkipSpace(text, keyEnd + 1);
            if (at >= text.Length || text[at] != (byte)':')
            {
                return false;
            }

            at = SkipSpace(text, at + 1);
            if (at >= text.Length)
            {
                return false;
            }

            int valueStart;
            int valueEnd;
            JsonScalarKind kind;
            switch (text[at])
            {
                case (byte)'"':
                    valueStart = at + 1;
                    if (!TryString(text, valueStart, out valueEnd))
                    {
                        return false;
                    }

                    kind = JsonScalarKind.String;
                    at = valueEnd + 1;
                    break;
                case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                    valueStart = at;
                    if (!TryNumber(text, at, out valueEnd))
                    {
                        return false;
                    }

                    kind = JsonScalarKind.Number;
                    at = valueEnd;
                    break;
                case (byte)'t' or (byte)'f' or (byte)'n':
                    valueStart = at;
                    var literal = text[at] switch { (byte)'t' => "true"u8, (byte)'f' => "false"u8, _ => "null"u8 };
                    if (!text[at..].StartsWith(literal))
                    {
                        return false;
                    }

                    valueEnd = at + literal.Length;
                    kind = text[at] == (byte)'n' ? JsonScalarKind.Null : JsonScalarKind.Literal;
                    at = valueEnd;
                    break;
                default:
                    return false;
            }

            if (count == pairs.Length)
            {
                Array.Resize(ref pairs, pairs.Length * 2);
            }

            pairs[count++] = new JsonPair(keyStart, keyEnd - keyStart, valueStart, valueEnd - valueStart, kind);
            at = SkipSpace(text, at);
            if (at >= text.Length)
            {
                return false;
            }

            if (text[at] == (byte)'}')
            {
                return SkipSpace(text, at + 1) == text.Length;
            }

            if (text[at] != (byte)',')
            {
                return false;
            }

            at = SkipSpace(text, at + 1);
        }
    }

    // JSON's whitespace: space, tab, line feed, carriage return. Most lines have none between tokens.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpace(ReadOnlySpan<byte> text, int at)
    {
        while (at < text.Length && text[at] <= (byte)' ' && text[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            at++;
        }

        return at;
    }

    // A string's body from start: true with the closing quote's index when it holds no escape and
    // no control byte (those go to the reader). Sixteen bytes at a time where the line allows:
    // the scan for the string's end is most of this scanner's work.
    private static bool TryString(ReadOnlySpan<byte> text, int start, out int end)
    {
        end = start;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(text);
            while (end <= text.Length - Vector128<byte>.Count)
            {
                var bytes = Vector128.LoadUnsafe(ref first, (nuint)end);
                var special = Vector128.Equals(bytes, Vector128.Create((byte)'"'))
                    | Vector128.Equals(bytes, Vector128.Create((byte)'\\'))
                    | Vector128.LessThan(bytes, Vector128.Create((byte)0x20));
                var found = special.ExtractMostSignificantBits();
                if (found != 0)
                {
                    end += BitOperations.TrailingZeroCount(found);
                    return text[end] == (byte)'"';
                }

                end += Vector128<byte>.Count;
            }
        }

        for (; end < text.Length; end++)
        {
            var b = text[end];
            if (b == (byte)'"')
            {
                return true;
            }

            if (b == (byte)'\\' || b < 0x20)
            {
                return false;
            }
        }

        return false;
    }

    // JSON's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, followed by a byte that may
    // follow a value (whitespace, a comma, the object's end).
    private static bool TryNumber(ReadOnlySpan<byte> text, int at, out int end)
    {
        end = at;
        if (end < text.Length && text[end] == (byte)'-')
        {
            end++;
        }

        if (end >= text.Length || !char.IsAsciiDigit((char)text[end]))
        {
            return false;
        }

        if (text[end] == (byte)'0')
        {
            end++;
        }
        else
        {
            end = Digits(text, end);
        }

        if (end < text.Length && text[end] == (byte)'.')
        {
            var fraction = end + 1;
            end = Digits(text, fraction);
            if (end == fraction)
            {
                return false;
            }
        }

        if (end < text.Length && text[end] is (byte)'e' or (byte)'E')
        {
            end++;
            if (end < text.Length && text[end] is (byte)'+' or (byte)'-')
            {
                end++;
            }

            var exponent = end;
            end = Digits(text, exponent);
            if (end == exponent)
            {
                return false;
            }
        }

        return end < text.Length && text[end] is (byte)',' or (byte)'}' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
    }

    private static int Digits(ReadOnlySpan<byte> text, int at)
    {
        while (at < text.Length && char.IsAsciiDigit((char)text[at]))
        {
            at++;
        }

        return at;
    }
}
