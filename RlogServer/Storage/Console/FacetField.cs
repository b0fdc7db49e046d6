namespace RlogServer.Storage.Console;

/// <summary>What a facet counts lines by.</summary>
public enum FacetKind
{
    Host,
    Label,
    Source,
    Attribute,
}

/// <summary>A facet's field: a host, label, source, or the attribute <paramref name="AttributeKey"/>.</summary>
public sealed record FacetField(FacetKind Kind, string AttributeKey = "")
{
    /// <summary>The field as the API names it: <c>host</c>, <c>label</c>, <c>source</c> or <c>attr.KEY</c>.</summary>
    public string Name => Kind switch
    {
        FacetKind.Host => "host",
        FacetKind.Label => "label",
        FacetKind.Source => "source",
        _ => "attr." + AttributeKey,
    };

    /// <summary>Parses the API's name; null when it is none of them.</summary>
    public static FacetField? Parse(string? name) => name switch
    {
        "host" => new FacetField(FacetKind.Host),
        "label" => new FacetField(FacetKind.Label),
        "source" => new FacetField(FacetKind.Source),
        { Length: > 5 } attribute when attribute.StartsWith("attr.", StringComparison.Ordinal) =>
            new FacetField(FacetKind.Attribute, attribute[5..]),
        _ => null,
    };
}

/// <summary>One value of a facet and how many matching lines hold it.</summary>
public sealed record FacetCount(string Value, long Lines);
