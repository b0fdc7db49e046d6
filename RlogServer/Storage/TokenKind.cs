namespace RlogServer.Storage;

/// <summary>The two kinds of token rows; the numbers are stored, so they never change.</summary>
internal enum TokenKind
{
    Access = 0,
    Refresh = 1,
}
