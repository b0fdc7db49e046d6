using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace RlogAgent.Pipeline;

/// <summary>
/// Sizes a line's text as it goes on the wire: the bytes are sent as UTF-8, and every invalid
/// sequence becomes U+FFFD (3 bytes), so a piece cut by input bytes alone can encode to three times
/// its size. These rules keep every line's encoded text within max_line_bytes, and every Log within
/// the contract's 4 MiB message limit whatever the bytes are.
/// </summary>
public static class LineText
{
    /// <summary>
    /// Most encoded bytes of one line's text, whatever max_line_bytes says: the 4 MiB message
    /// limit less room for the batch id, label, path, file_id, time, offset and attributes.
    /// </summary>
    public const int MaxBytes = (4 * 1024 * 1024) - (64 * 1024);

    /// <summary>True when <paramref name="text"/> encodes to at most <paramref name="maxBytes"/> bytes.</summary>
    public static bool FitsWhole(ReadOnlySpan<byte> text, int maxBytes)
    {
        if (text.Length > maxBytes)
        {
            return false;
        }

        // Even if every byte were replaced, it would fit: the common case costs no validation.
        if ((long)text.Length * 3 <= maxBytes)
        {
            return true;
        }

        return Utf8.IsValid(text) || EncodedLength(text) <= maxBytes;
    }

    /// <summary>Bytes the text encodes to once invalid sequences are replaced by U+FFFD.</summary>
    public static long EncodedLength(ReadOnlySpan<byte> text)
    {
        long encoded = 0;
        var at = 0;
        while (at < text.Length)
        {
            var status = Rune.DecodeFromUtf8(text[at..], out _, out var consumed);
            encoded += status == OperationStatus.Done ? consumed : 3;
            at += consumed;
        }

        return encoded;
    }

    /// <summary>
    /// Length of the longest start of <paramref name="text"/> that ends on a character boundary and
    /// encodes to at most <paramref name="maxBytes"/>; at least one character, so a cut always progresses.
    /// </summary>
    public static int PieceLength(ReadOnlySpan<byte> text, int maxBytes)
    {
        var size = Math.Min(maxBytes, text.Length);
        if (size < text.Length)
        {
            // Cut before the character the limit falls in: step back over its continuation bytes.
            var back = 0;
            while (back < 3 && size - back > 0 && (text[size - back] & 0xC0) == 0x80)
            {
                back++;
            }

            if ((text[size - back] & 0xC0) != 0x80)
            {
                size -= back;
            }
        }

        if (size > 0 && Utf8.IsValid(text[..size]))
        {
            return size;
        }

        // Invalid bytes: walk the text as the decoder will, counting 3 bytes per replaced sequence.
        var at = 0;
        long encoded = 0;
        while (at < text.Length)
        {
            var status = Rune.DecodeFromUtf8(text[at..], out _, out var consumed);
            var cost = status == OperationStatus.Done ? consumed : 3;
            if (encoded + cost > maxBytes)
            {
                break;
            }

            encoded += cost;
            at += consumed;
        }

        return Math.Max(at, 1);
    }
}
