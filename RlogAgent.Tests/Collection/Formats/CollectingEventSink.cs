using System.Text;
using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>Keeps a copy of every event it is handed, in order.</summary>
public sealed class CollectingEventSink : IEventSink
{
    public List<CollectedEvent> Events { get; } = [];

    public IEnumerable<string> Texts => Events.Select(e => e.Text);

    public void OnEvent(in AssembledEvent assembled)
    {
        Events.Add(new CollectedEvent(
            Encoding.UTF8.GetString(assembled.Text),
            assembled.Text.ToArray(),
            assembled.Time,
            assembled.Stream,
            assembled.Offset,
            assembled.NextOffset,
            assembled.ResumeOffset,
            assembled.Cut));
    }
}
