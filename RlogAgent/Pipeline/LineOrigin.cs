namespace RlogAgent.Pipeline;

/// <summary>
/// What every line of one file shares: its source's label, the path it was read from, its
/// <c>file_id</c> and its static attributes. One instance per file and file_id, shared by all its
/// chunks, so the encoder can encode these fields once per file rather than once per line.
/// </summary>
public sealed class LineOrigin
{
    public LineOrigin(string label, string source, string fileId, IReadOnlyList<KeyValuePair<string, string>>? attributes = null)
    {
        Label = label;
        Source = source;
        FileId = fileId;
        Attributes = attributes ?? [];
    }

    public string Label { get; }

    public string Source { get; }

    public string FileId { get; }

    /// <summary>Attributes every line of the file carries (static per source, Kubernetes metadata from the path).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; }

    /// <summary>A cache slot for the encoder (the per-file fields already in wire form).</summary>
    public object? Encoded { get; set; }
}
