namespace RlogAgent.Configuration;

/// <summary>The kinds of <see cref="TimeFormat"/>.</summary>
public enum TimeFormatKind
{
    Rfc3339,

    /// <summary>Seconds since 1970-01-01 UTC, a fraction allowed (<c>1764313200.123</c>).</summary>
    Unix,

    UnixMs,

    UnixUs,

    UnixNs,

    /// <summary>A .NET custom date and time format string.</summary>
    Custom,
}
