using Microsoft.Extensions.Logging;

namespace RlogAgent.Tests.Server.Support;

/// <summary>One log entry as the server wrote it: the rendered message and every structured value.</summary>
internal sealed record CapturedLog(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyDictionary<string, object?> Values,
    Exception? Exception);
