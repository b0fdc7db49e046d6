namespace RlogAgent.Transport;

/// <summary>
/// A line the agent set aside instead of shipping: the server refused it on its own (or it can
/// never fit in a message). One JSON object per line in <c>rejected.jsonl</c>, so an operator can
/// find it, fix what is wrong and ship it again by hand.
/// </summary>
/// <param name="Time">When it was set aside (UTC).</param>
/// <param name="BatchId">The batch it was refused in (a part of a split batch: the parent's id and the part's path).</param>
/// <param name="Label">The source's label.</param>
/// <param name="Source">The path the line was read from.</param>
/// <param name="FileId">The identity of the file content; with <paramref name="Offset"/> it names the line.</param>
/// <param name="Offset">Byte offset of the line's first byte in <paramref name="FileId"/>.</param>
/// <param name="Line">The line's text, as it would have been shipped.</param>
/// <param name="Status">The gRPC status name, for example <c>INVALID_ARGUMENT</c>.</param>
/// <param name="Message">The server's detail, or why the agent would not send it.</param>
public sealed record RejectedLine(
    DateTimeOffset Time,
    string BatchId,
    string Label,
    string Source,
    string FileId,
    ulong Offset,
    string Line,
    string Status,
    string Message);
