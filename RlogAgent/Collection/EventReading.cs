using RlogAgent.Collection.Formats;
using RlogAgent.Common;
using RlogAgent.Configuration;

namespace RlogAgent.Collection;

/// <summary>
/// How a source's lines become events: its record format, its multi-line rule, and the attributes
/// every event of the source carries. Plain lines with no multi-line rule are shipped as read, with
/// no per-line work beyond finding their ends.
/// </summary>
/// <param name="Format">plain, cri or docker.</param>
/// <param name="Multiline">The source's multi-line rule, or null.</param>
/// <param name="Attributes">Static attributes from agent.yaml, in file order.</param>
/// <param name="Counters">Where records that did not parse and events that were cut are counted; null in tests.</param>
public sealed record EventReading(SourceFormat Format, MultilineOptions? Multiline, IReadOnlyList<KeyValuePair<string, string>> Attributes, AgentCounters? Counters = null)
{
    /// <summary>Plain lines, no multi-line rule, no attributes.</summary>
    public static readonly EventReading Plain = new(SourceFormat.Plain, null, []);

    /// <summary>True when lines go through an <see cref="EventAssembler"/> (a record format, or a multi-line rule).</summary>
    public bool NeedsAssembly => EventAssembler.IsNeeded(Format, Multiline);
}
