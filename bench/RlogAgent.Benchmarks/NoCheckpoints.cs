using RlogAgent.Pipeline;

namespace RlogAgent.Benchmarks;

/// <summary>A checkpoint sink that keeps nothing, so a pipeline benchmark measures the blocks alone.</summary>
public sealed class NoCheckpoints : ICheckpointSink
{
    public void Confirm(string fileId, long nextOffset)
    {
    }
}
