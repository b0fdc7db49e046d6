namespace RlogAgent.Collection.Parsing;

/// <summary>What one step of an <see cref="AsciiPattern"/> does.</summary>
internal enum AsciiPatternStepKind : byte
{
    /// <summary>A class, repeated between its least and most times.</summary>
    Repeat,

    /// <summary><c>^</c>: the line's start.</summary>
    Start,

    /// <summary><c>$</c>: the line's end.</summary>
    End,

    /// <summary>A named group starts here.</summary>
    Open,

    /// <summary>A named group ends here.</summary>
    Close,
}
