namespace RlogAgent.Collection;

/// <summary>What a supervisor runs for one source: a loop that reads until it is stopped, and its clean-up.</summary>
public interface ISourceReader : IDisposable
{
    /// <summary>Reads until <paramref name="cancellationToken"/> stops it; any exception means the loop failed.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
