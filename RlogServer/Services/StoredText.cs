using Rlog.V1;

namespace RlogServer.Services;

/// <summary>
/// Makes a batch's text storable the same way on every engine: U+0000 (which PostgreSQL's text
/// type cannot hold, and which a crash dump or the hole left by <c>copytruncate</c> puts in a
/// line) becomes U+FFFD, the character the agent already shows for bytes that are not UTF-8.
/// A NUL is therefore never an error: the line is stored, and reads back the same on SQLite
/// and PostgreSQL.
/// </summary>
internal static class StoredText
{
    /// <summary>What every U+0000 of a stored text becomes.</summary>
    public const char NulReplacement = '\uFFFD';

    /// <summary>Replaces U+0000 in every text field of the batch's logs; returns how many fields changed.</summary>
    public static int ReplaceNul(LogBatch batch)
    {
        var changed = 0;
        foreach (var log in batch.Logs)
        {
            if (HasNul(log.Line))
            {
                log.Line = Replace(log.Line);
                changed++;
            }

            if (HasNul(log.Label))
            {
                log.Label = Replace(log.Label);
                changed++;
            }

            if (HasNul(log.Source))
            {
                log.Source = Replace(log.Source);
                changed++;
            }

            if (HasNul(log.FileId))
            {
                log.FileId = Replace(log.FileId);
                changed++;
            }

            if (log.Attributes.Count > 0)
            {
                changed += ReplaceInAttributes(log);
            }
        }

        return changed;
    }

    private static int ReplaceInAttributes(Log log)
    {
        List<KeyValuePair<string, string>>? replaced = null;
        foreach (var pair in log.Attributes)
        {
            if (HasNul(pair.Key) || HasNul(pair.Value))
            {
                (replaced ??= []).Add(pair);
            }
        }

        foreach (var (key, value) in replaced ?? [])
        {
            log.Attributes.Remove(key);
            // Two keys that differ only by a NUL and its replacement: the first one written stays.
            var newKey = Replace(key);
            if (!log.Attributes.ContainsKey(newKey))
            {
                log.Attributes[newKey] = Replace(value);
            }
        }

        return replaced?.Count ?? 0;
    }

    private static bool HasNul(string text) => text.Contains('\0', StringComparison.Ordinal);

    private static string Replace(string text) => text.Replace('\0', NulReplacement);
}
