using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RlogAgent.Tests.Metrics;

/// <summary>Keeps each entry's event id and rendered message, for tests that check what was logged.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<(EventId EventId, string Message)> _entries = new();

    public IReadOnlyList<(EventId EventId, string Message)> Entries => _entries.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((eventId, formatter(state, exception)));
}
