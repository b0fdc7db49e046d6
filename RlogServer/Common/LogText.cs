namespace RlogServer.Common;

/// <summary>
/// What a client sent, made safe to log: cut to a bounded length and stripped of line breaks,
/// so a hostile hostname or batch id can neither flood the log nor forge a line of it.
/// </summary>
internal static class LogText
{
    /// <summary>Default for the longest text logged from a client.</summary>
    public const int DefaultMaxLength = 128;

    public static string Cut(string? text, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var cut = text.Length > maxLength ? string.Concat(text.AsSpan(0, maxLength), "…") : text;
        return cut.AsSpan().IndexOfAny('\r', '\n') < 0 ? cut : cut.Replace('\r', ' ').Replace('\n', ' ');
    }
}
