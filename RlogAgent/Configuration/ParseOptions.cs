using System.Text.RegularExpressions;

namespace RlogAgent.Configuration;

/// <summary>
/// <c>parse</c> in a source of agent.yaml: reads each event's time, level and chosen fields from its
/// text. The line is shipped as it was written; parsing adds the event time, the severity and
/// attributes. It runs after <c>format: cri/docker</c> decoding and multi-line joining.
/// </summary>
public sealed record ParseOptions
{
    /// <summary>Keys tried for the time, in order, when <c>time_key</c> is not set.</summary>
    public static readonly IReadOnlyList<string> DefaultTimeKeys = ["time", "ts", "timestamp", "@timestamp"];

    /// <summary>Keys tried for the level, in order, when <c>level_key</c> is not set.</summary>
    public static readonly IReadOnlyList<string> DefaultLevelKeys = ["level", "lvl", "severity", "log.level"];

    /// <summary>The group names a <c>regex</c> pattern gives the time and the level.</summary>
    public const string TimeGroup = "time";

    /// <summary>See <see cref="TimeGroup"/>.</summary>
    public const string LevelGroup = "level";

    /// <summary>What <c>fields: ["*"]</c> means: every top-level scalar.</summary>
    public const string AllFields = "*";

    /// <summary><c>format</c> (required): json, logfmt or regex.</summary>
    public required ParseFormat Format { get; init; }

    /// <summary><c>pattern</c> (regex only, required there): named groups become attributes, <c>time</c> and <c>level</c> excepted.</summary>
    public Regex? Pattern { get; init; }

    /// <summary><c>time_key</c> (json, logfmt): the key holding the time. Default: the first of <see cref="DefaultTimeKeys"/> present.</summary>
    public string? TimeKey { get; init; }

    /// <summary><c>time_format</c>. Default rfc3339.</summary>
    public TimeFormat TimeFormat { get; init; } = TimeFormat.Rfc3339;

    /// <summary><c>time_zone</c>: for times written without an offset: UTC (the default), Local, or an IANA name.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary><c>level_key</c> (json, logfmt): the key holding the level. Default: the first of <see cref="DefaultLevelKeys"/> present.</summary>
    public string? LevelKey { get; init; }

    /// <summary><c>fields</c> (json, logfmt): keys copied into the event's attributes; <c>*</c> copies every top-level scalar. Default: none.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];
}
