using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary>What one Send call has committed so far: batches, lines stored, duplicate lines.</summary>
internal sealed class SendTally
{
    public int Batches { get; private set; }

    public long Stored { get; private set; }

    public long Duplicates { get; private set; }

    public void Add(BatchStoreResult result)
    {
        Batches++;
        Stored += result.Stored;
        Duplicates += result.Duplicates;
    }
}
