namespace RlogAgent.Hosting;

/// <summary>A source failed too often in a row to be kept running.</summary>
public sealed class SourceFailedException(string label, int failures, Exception last)
    : Exception($"source {label} failed {failures} times in a row; last: {last.Message}", last)
{
    public string Label { get; } = label;
}
