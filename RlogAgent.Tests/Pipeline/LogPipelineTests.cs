using RlogAgent.Pipeline;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Pipeline;

[TestFixture]
public sealed class LogPipelineTests
{
    [Test]
    public void HandOff_OfFullChunks_HoldsMoreTextThanTheLargestBatch()
    {
        // Else a busy reader's hand-off could not fill one batch, and batches would again depend on
        // how much a read brought rather than on batch_size alone.
        Assert.That((long)LogPipeline.ChunksPerHandOff * LineChunk.MaxPooledBytes, Is.GreaterThan(LogStreamSender.MaxBatchBytes));
    }
}
