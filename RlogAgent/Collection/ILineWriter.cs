namespace RlogAgent.Collection;

/// <summary>Where collectors put the lines they read; waits (backpressure) when downstream is full.</summary>
public interface ILineWriter
{
    ValueTask WriteAsync(List<LogLine> lines, CancellationToken cancellationToken);
}
