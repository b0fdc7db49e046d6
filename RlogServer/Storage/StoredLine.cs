namespace RlogServer.Storage;

/// <summary>One log line as the server stored it.</summary>
/// <param name="AgentUuid">The agent that sent the line.</param>
/// <param name="Label">The source's label from the agent's configuration.</param>
/// <param name="Line">The line, without its terminator.</param>
/// <param name="Source">The path the agent read the line from.</param>
/// <param name="FileId">Identity of the file content the line came from.</param>
/// <param name="Offset">Byte offset of the line's first byte in <paramref name="FileId"/>.</param>
/// <param name="BatchId">The batch that first delivered the line.</param>
public sealed record StoredLine(
    string AgentUuid,
    string Label,
    string Line,
    string Source,
    string FileId,
    ulong Offset,
    string BatchId)
{
    /// <summary>The store's id of the line: increasing in storage order.</summary>
    public long Id { get; init; }

    /// <summary>The event time: <c>Log.timestamp</c>, or when the server received the line if it had none.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>When the server received the line.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary><c>Log.severity_number</c>: OpenTelemetry SeverityNumber (1-24); 0 when the event had none.</summary>
    public int SeverityNumber { get; init; }

    /// <summary><c>Log.severity_text</c>: the level as the event wrote it; empty when it had none.</summary>
    public string SeverityText { get; init; } = "";

    /// <summary>The hostname the line's agent last registered with; empty when it is unknown.</summary>
    public string Host { get; init; } = "";

    /// <summary><c>Log.attributes</c>; empty when the line had none.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = LineAttributes.None;
}
