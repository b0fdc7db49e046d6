using Google.Protobuf.WellKnownTypes;

namespace RlogServer.Storage;

/// <summary>Protobuf timestamps as the engines store them.</summary>
internal static class StorageTime
{
    // Computed from the raw fields: Timestamp.ToDateTimeOffset throws on values outside
    // DateTimeOffset's range, and one odd timestamp must not fail a whole batch.
    public static long? ToUnixMilliseconds(Timestamp? timestamp) =>
        timestamp is null ? null : (timestamp.Seconds * 1000) + (timestamp.Nanos / 1_000_000);

    /// <summary>The event time of a line: its timestamp when it has a usable one, else <paramref name="fallback"/>.</summary>
    public static DateTimeOffset EventTime(Timestamp? timestamp, DateTimeOffset fallback)
    {
        if (timestamp is null)
        {
            return fallback;
        }

        var ms = ToUnixMilliseconds(timestamp)!.Value;
        return ms is >= MinUnixMilliseconds and <= MaxUnixMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : fallback;
    }

    // Year 1 to 9999: what DateTimeOffset (and PostgreSQL's timestamptz, comfortably) can hold.
    private const long MinUnixMilliseconds = -62_135_596_800_000;
    private const long MaxUnixMilliseconds = 253_402_300_799_999;
}
