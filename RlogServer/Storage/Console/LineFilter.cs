namespace RlogServer.Storage.Console;

/// <summary>
/// What the console's searches filter lines by (the contract's FILTERS). Different filters
/// combine with AND; several values of one filter mean any of them, except
/// <see cref="Exclude"/>, where a line holding any of the values is left out.
/// </summary>
public sealed record LineFilter
{
    /// <summary>A filter that matches every line.</summary>
    public static readonly LineFilter All = new();

    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Hostnames the lines' agents last registered with.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Agent uuids, canonical (lower case, with hyphens).</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>Paths the lines were read from, exactly.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Substrings, case-sensitive: the line holds one of them.</summary>
    public IReadOnlyList<string> Contains { get; init; } = [];

    /// <summary>Substrings, case-insensitive: the line holds one of them.</summary>
    public IReadOnlyList<string> IContains { get; init; } = [];

    /// <summary>Substrings, case-sensitive: the line holds none of them.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Regular expressions: the line matches one of them (engine dialects differ: see the README).</summary>
    public IReadOnlyList<string> Regex { get; init; } = [];

    /// <summary>Per attribute key, the values it may equal; every key given must match.</summary>
    public IReadOnlyList<AttributeFilter> Attributes { get; init; } = [];

    /// <summary>Lowest SeverityNumber shown; a line without a level never matches. Null: every line.</summary>
    public int? MinSeverity { get; init; }

    /// <summary>Whether any filter on the line's text is set (those read every line of the range).</summary>
    public bool FiltersText => Contains.Count + IContains.Count + Exclude.Count + Regex.Count > 0;
}

/// <summary>Attribute <paramref name="Key"/> equals one of <paramref name="Values"/>.</summary>
public sealed record AttributeFilter(string Key, IReadOnlyList<string> Values);
