namespace RlogAgent.Collection.Parsing;

/// <summary>One key and its value in a flat object: offsets into the line.</summary>
public readonly record struct JsonPair(int KeyStart, int KeyLength, int ValueStart, int ValueLength, JsonScalarKind Kind);
