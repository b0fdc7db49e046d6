using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Parsing;

/// <summary>The chunk writer of a source with <c>parse</c>, <c>detect_level</c>, <c>drop</c> or <c>redact</c>: processes each chunk, then hands it on.</summary>
public sealed class EventProcessingWriter(IChunkWriter inner, EventProcessor processor) : IChunkWriter
{
    public ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken)
    {
        try
        {
            processor.Process(chunk);
        }
        catch
        {
            chunk.Release();
            throw;
        }

        return inner.WriteAsync(chunk, cancellationToken);
    }

    public ValueTask OnCaughtUpAsync(CancellationToken cancellationToken) => inner.OnCaughtUpAsync(cancellationToken);
}
