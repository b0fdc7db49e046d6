namespace RlogAgent.Collection;

/// <summary>
/// One line read from a file, with what names it forever: <see cref="FileId"/> and <see cref="Offset"/>.
/// <see cref="NextOffset"/> is where the next line starts; a checkpoint moves there once the server
/// confirms this line.
/// </summary>
public readonly record struct LogLine(
    string Label,
    string Text,
    DateTime ReadAtUtc,
    string Source,
    string FileId,
    long Offset,
    long NextOffset);
