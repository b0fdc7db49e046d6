namespace RlogAgent.Configuration;

/// <summary>
/// <c>parse.time_format</c>: how an event's time is written. A .NET custom format
/// (<c>yyyy-MM-dd HH:mm:ss,fff</c>) when <see cref="Kind"/> is <see cref="TimeFormatKind.Custom"/>.
/// </summary>
public sealed record TimeFormat(TimeFormatKind Kind, string? Custom = null)
{
    /// <summary>The default: RFC 3339 (ISO 8601 with a <c>T</c> or a space, any fraction, <c>Z</c> or an offset, or none).</summary>
    public static readonly TimeFormat Rfc3339 = new(TimeFormatKind.Rfc3339);

    /// <summary>The name agent.yaml uses: <c>rfc3339</c>, <c>unix_ms</c>, ... or the custom format itself.</summary>
    public override string ToString() => Kind switch
    {
        TimeFormatKind.Rfc3339 => "rfc3339",
        TimeFormatKind.Unix => "unix",
        TimeFormatKind.UnixMs => "unix_ms",
        TimeFormatKind.UnixUs => "unix_us",
        TimeFormatKind.UnixNs => "unix_ns",
        _ => Custom ?? "",
    };
}
