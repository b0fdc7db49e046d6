using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>Counts events and their bytes without keeping them: a sink that allocates nothing, for measurements.</summary>
public sealed class CountingEventSink : IEventSink
{
    public long Events { get; private set; }

    public long Bytes { get; private set; }

    public void OnEvent(in AssembledEvent assembled)
    {
        Events++;
        Bytes += assembled.Text.Length;
    }
}
