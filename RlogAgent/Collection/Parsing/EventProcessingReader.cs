using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Parsing;

/// <summary>A source's reader whose chunks go through an <see cref="EventProcessingStage"/> on their way to the pipeline.</summary>
public sealed class EventProcessingReader : ISourceReader
{
    private readonly EventProcessingStage _stage;
    private readonly ISourceReader _reader;

    /// <param name="stage">The stage the reader writes into; it runs once, with this reader.</param>
    /// <param name="createReader">Makes the reader, given the writer it must write into.</param>
    public EventProcessingReader(EventProcessingStage stage, Func<IChunkWriter, ISourceReader> createReader)
    {
        _stage = stage;
        _reader = createReader(stage);
    }

    public Task RunAsync(CancellationToken cancellationToken) => _stage.RunAsync(_reader.RunAsync, cancellationToken);

    public void Dispose() => _reader.Dispose();
}
