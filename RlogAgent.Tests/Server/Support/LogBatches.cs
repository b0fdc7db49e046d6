using Google.Protobuf.WellKnownTypes;
using Rlog.V1;

namespace RlogAgent.Tests.Server.Support;

/// <summary>Builds LogBatch messages of consecutive lines of one file.</summary>
internal static class LogBatches
{
    /// <summary>
    /// A batch of <paramref name="count"/> lines of <paramref name="fileId"/>, the first at
    /// <paramref name="firstOffset"/>, each <paramref name="lineLength"/> characters and a newline apart.
    /// </summary>
    public static LogBatch Lines(
        string fileId,
        int count,
        ulong firstOffset = 0,
        string label = "app",
        int lineLength = 40,
        string? batchId = null)
    {
        var batch = new LogBatch
        {
            BatchId = batchId ?? Guid.NewGuid().ToString(),
            SendAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        };
        var readAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        for (var i = 0; i < count; i++)
        {
            var offset = firstOffset + ((ulong)i * (ulong)(lineLength + 1));
            var text = $"line {offset} of {fileId} ";
            batch.Logs.Add(new Log
            {
                Label = label,
                Line = text.Length >= lineLength ? text : text.PadRight(lineLength, 'x'),
                Timestamp = readAt,
                Source = $"/var/log/{label}.log",
                FileId = fileId,
                Offset = offset,
            });
        }

        return batch;
    }
}
