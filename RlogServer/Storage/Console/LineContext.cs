namespace RlogServer.Storage.Console;

/// <summary>
/// The lines around one line, from the same agent and file, in file order: <see cref="Lines"/>
/// holds the line itself at <see cref="Index"/>.
/// </summary>
public sealed record LineContext(IReadOnlyList<StoredLine> Lines, int Index);
