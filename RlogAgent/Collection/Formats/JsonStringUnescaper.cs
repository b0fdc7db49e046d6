using System.Text;

namespace RlogAgent.Collection.Formats;

/// <summary>
/// Unescapes the raw bytes of a JSON string (between its quotes) into UTF-8, forgivingly: an escape
/// JSON does not define, or a <c>\u</c> without four hex digits, is kept as it is; a <c>\u</c> escape of
/// a lone surrogate becomes U+FFFD; a pair of surrogate escapes becomes its one character. Never throws,
/// and never writes more bytes than it reads.
/// <para>
/// Not <see cref="System.Text.Json.Utf8JsonReader.CopyString(Span{byte})"/>: that one refuses a string
/// whose bytes are not valid UTF-8, and Docker's json-file driver splits a long line every 16 KiB on a
/// byte count, so a character split across two partial records is invalid UTF-8 in each of them and
/// must be kept as read until the records are joined (<c>DockerJsonRecordDecoderTests</c>, and
/// <c>EventAssemblerTests.Add_CharacterSplitBetweenTwoDockerRecords_JoinedIntoTheCharacter</c>).
/// Where the text is valid, the two were measured alike (BENCHMARKS.md, "Docker records").
/// </para>
/// </summary>
public static class JsonStringUnescaper
{
    /// <summary>
    /// Writes the unescaped text of <paramref name="escaped"/> to <paramref name="destination"/>, which
    /// must hold at least <c>escaped.Length</c> bytes. Returns the number of bytes written.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, escaped.Length, nameof(destination));
        var read = 0;
        var written = 0;
        while (read < escaped.Length)
        {
            var backslash = escaped[read..].IndexOf((byte)'\\');
            if (backslash < 0)
            {
                escaped[read..].CopyTo(destination[written..]);
                written += escaped.Length - read;
                break;
            }

            escaped.Slice(read, backslash).CopyTo(destination[written..]);
            written += backslash;
            read += backslash;
            if (read + 1 == escaped.Length)
            {
                destination[written++] = (byte)'\\';
                break;
            }

            var simple = escaped[read + 1] switch
            {
                (byte)'"' => (byte)'"',
                (byte)'\\' => (byte)'\\',
                (byte)'/' => (byte)'/',
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                _ => (byte)0,
            };
            if (simple != 0)
            {
                destination[written++] = simple;
                read += 2;
                continue;
            }

            if (escaped[read + 1] == (byte)'u' && TryHex4(escaped, read + 2, out var unit))
            {
                read += 6;
                int scalar;
                if (char.IsHighSurrogate((char)unit)
                    && read + 1 < escaped.Length && escaped[read] == (byte)'\\' && escaped[read + 1] == (byte)'u'
                    && TryHex4(escaped, read + 2, out var low) && char.IsLowSurrogate((char)low))
                {
                    scalar = char.ConvertToUtf32((char)unit, (char)low);
                    read += 6;
                }
                else
                {
                    scalar = char.IsSurrogate((char)unit) ? Rune.ReplacementChar.Value : unit;
                }

                written += new Rune(scalar).EncodeToUtf8(destination[written..]);
                continue;
            }

            // Not an escape JSON defines: the backslash stays, and what follows is copied as text.
            destination[written++] = (byte)'\\';
            read++;
        }

        return written;
    }

    private static bool TryHex4(ReadOnlySpan<byte> text, int start, out int value)
    {
        value = 0;
        if (start + 4 > text.Length)
        {
            return false;
        }

        for (var i = start; i < start + 4; i++)
        {
            var digit = HexValue(text[i]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
