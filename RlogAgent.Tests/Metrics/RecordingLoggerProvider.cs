using Microsoft.Extensions.Logging;

namespace RlogAgent.Tests.Metrics;

/// <summary>Hands one <see cref="RecordingLogger"/> to every category.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public RecordingLogger Logger { get; } = new();

    public ILogger CreateLogger(string categoryName) => Logger;

    public void Dispose()
    {
    }
}
