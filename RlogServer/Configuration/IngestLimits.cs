namespace RlogServer.Configuration;

/// <summary>
/// Sizes and counts the server accepts in a <c>LogBatch</c>; anything beyond is answered
/// INVALID_ARGUMENT naming the field. The defaults are far above what the agent sends (its
/// batches stay under 4 MiB), so they stop abuse without refusing real traffic: a batch the
/// agent cannot get accepted is set aside, not retried.
/// </summary>
public sealed class IngestLimits
{
    /// <summary>Default for <see cref="MaxLinesPerBatch"/>.</summary>
    public const int DefaultMaxLinesPerBatch = 100_000;

    /// <summary>Default for <see cref="MaxLabelLength"/>.</summary>
    public const int DefaultMaxLabelLength = 1024;

    /// <summary>Default for <see cref="MaxSourceLength"/>.</summary>
    public const int DefaultMaxSourceLength = 4096;

    /// <summary>Default for <see cref="MaxFileIdLength"/>.</summary>
    public const int DefaultMaxFileIdLength = 512;

    /// <summary>Default for <see cref="MaxBatchIdLength"/>.</summary>
    public const int DefaultMaxBatchIdLength = 256;

    /// <summary>Default for <see cref="MaxAttributes"/>.</summary>
    public const int DefaultMaxAttributes = 128;

    /// <summary>Default for <see cref="MaxAttributeKeyLength"/>.</summary>
    public const int DefaultMaxAttributeKeyLength = 256;

    /// <summary>Default for <see cref="MaxAttributeValueLength"/>.</summary>
    public const int DefaultMaxAttributeValueLength = 16 * 1024;

    /// <summary>Default for <see cref="MaxSendCallsPerAgent"/>.</summary>
    public const int DefaultMaxSendCallsPerAgent = 4;

    /// <summary>Default for <see cref="MaxInFlightBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxInFlightBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Most <c>Send</c> calls one agent may have open at once on a replica; one more is answered
    /// RESOURCE_EXHAUSTED (overload: the agent backs off and retries). Default 4.
    /// </summary>
    public int MaxSendCallsPerAgent { get; set; } = DefaultMaxSendCallsPerAgent;

    /// <summary>
    /// Most bytes of received messages a replica holds in memory across all calls, counted in
    /// largest messages (8 MiB each); calls past it wait, unread, for room. Default 256 MiB.
    /// </summary>
    public long MaxInFlightBytes { get; set; } = DefaultMaxInFlightBytes;

    /// <summary>Most <c>logs</c> in one <c>LogBatch</c>. Default 100,000.</summary>
    public int MaxLinesPerBatch { get; set; } = DefaultMaxLinesPerBatch;

    /// <summary>Longest <c>Log.label</c>, in characters. Default 1024.</summary>
    public int MaxLabelLength { get; set; } = DefaultMaxLabelLength;

    /// <summary>Longest <c>Log.source</c>, in characters. Default 4096.</summary>
    public int MaxSourceLength { get; set; } = DefaultMaxSourceLength;

    /// <summary>Longest <c>Log.file_id</c>, in characters. Default 512.</summary>
    public int MaxFileIdLength { get; set; } = DefaultMaxFileIdLength;

    /// <summary>Longest <c>LogBatch.batch_id</c>, in characters. Default 256.</summary>
    public int MaxBatchIdLength { get; set; } = DefaultMaxBatchIdLength;

    /// <summary>Most entries in one <c>Log.attributes</c>. Default 128.</summary>
    public int MaxAttributes { get; set; } = DefaultMaxAttributes;

    /// <summary>Longest attribute key, in characters. Default 256.</summary>
    public int MaxAttributeKeyLength { get; set; } = DefaultMaxAttributeKeyLength;

    /// <summary>Longest attribute value, in characters. Default 16384.</summary>
    public int MaxAttributeValueLength { get; set; } = DefaultMaxAttributeValueLength;
}
