namespace RlogAgent.Collection;

/// <summary>Where collectors put the lines they read; waits (backpressure) when downstream is full.</summary>
public interface ILineWriter
{
    ValueTask WriteAsync(List<LogLine> lines, CancellationToken cancellationToken);

    /// <summary>A reader reached the end of everything it follows: lines written so far need not wait for more.</summary>
    ValueTask OnCaughtUpAsync(CancellationToken cancellationToken);
}
