namespace RlogAgent.Collection.Parsing;

/// <summary>
/// <c>detect_level</c>: the first level word (ERROR, WARN, INFO, ...: words of two letters or more,
/// in any case) among the first <see cref="ScanBytes"/> bytes of an event, where log lines put it
/// (<c>2026-11-28 07:00:00 [ERROR] ...</c>, <c>level=warn</c>).
/// </summary>
public static class LevelDetector
{
    /// <summary>How far into an event a level is looked for.</summary>
    public const int ScanBytes = 64;

    public static void Detect(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        var scan = text[..Math.Min(text.Length, ScanBytes)];
        var at = 0;
        while (at < scan.Length)
        {
            while (at < scan.Length && !IsLetter(scan[at]))
            {
                at++;
            }

            var start = at;
            while (at < scan.Length && IsLetter(scan[at]))
            {
                at++;
            }

            // A word cut by the end of the scan is not one.
            if (at == scan.Length && at < text.Length && IsLetter(text[at]))
            {
                return;
            }

            var word = scan[start..at];
            if (SeverityLevels.IsLevelWord(word, out _) && result.TrySetLevel(word))
            {
                return;
            }
        }
    }

    private static bool IsLetter(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z';
}
