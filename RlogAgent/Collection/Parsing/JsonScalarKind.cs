namespace RlogAgent.Collection.Parsing;

/// <summary>What kind of value a <see cref="JsonPair"/> holds.</summary>
public enum JsonScalarKind : byte
{
    /// <summary>A string, its bytes between the quotes.</summary>
    String,

    /// <summary>A number, as written.</summary>
    Number,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Literal,

    /// <summary><c>null</c>.</summary>
    Null,
}
