namespace RlogAgent.Pipeline;

/// <summary>Where readers put the chunks of lines they read; waits (backpressure) when downstream is full.</summary>
public interface IChunkWriter
{
    /// <summary>
    /// Takes <paramref name="chunk"/> and the caller's reference to it, whatever happens: a write
    /// that is cancelled or finds the pipeline closed releases the chunk itself.
    /// </summary>
    ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken);

    /// <summary>A reader reached the end of everything it follows: lines written so far need not wait for more.</summary>
    ValueTask OnCaughtUpAsync(CancellationToken cancellationToken);
}
