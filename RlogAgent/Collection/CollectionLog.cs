using Microsoft.Extensions.Logging;

namespace RlogAgent.Collection;

internal static partial class CollectionLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Reading {Path} ({Identity}) from offset {Offset}")]
    public static partial void Opened(ILogger logger, string path, string identity, long offset);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Resuming {Path} (file_id {FileId}) at confirmed offset {Offset}")]
    public static partial void Resumed(ILogger logger, string path, string fileId, long offset);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{Path} was truncated from {OldLength} to {NewLength} bytes (was file_id {FileId}); reading it again from the start under a new file_id")]
    public static partial void Truncated(ILogger logger, string path, string fileId, long oldLength, long newLength);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "{Path} was rotated away or deleted; reading it to its end")]
    public static partial void Detached(ILogger logger, string path);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Released {Path}: idle and read to its end")]
    public static partial void Released(ILogger logger, string path);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Cannot read {Path}: {Reason}. Other files go on; retrying")]
    public static partial void CannotRead(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "{Path} is readable again")]
    public static partial void ReadableAgain(ILogger logger, string path);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "Line in {Path} at offset {Offset} is longer than max_line_bytes: shipped a piece of {Bytes} bytes")]
    public static partial void LineSplit(ILogger logger, string path, long offset, int bytes);

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "Checkpoint file {Path} is unreadable ({Reason}); set aside as {Aside}. Files are read again from their start; the server drops lines it already has")]
    public static partial void CheckpointsCorrupt(ILogger logger, string path, string reason, string aside);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Cannot write checkpoints to {Path}: {Reason}; will retry")]
    public static partial void CheckpointWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Collector for source {Label} stopped: {Reason}")]
    public static partial void CollectorFailed(ILogger logger, string label, string reason, Exception exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Cannot list folder {Folder} for source {Label}: {Reason}. Skipped; the rest of the source goes on")]
    public static partial void FolderInaccessible(ILogger logger, string folder, string label, string reason);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "{Path} is a file that source {Owner} reads already (a link or an overlapping pattern); it is read once, by that source")]
    public static partial void ReadElsewhere(ILogger logger, string path, string owner);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "Reading {Path} failed: {Reason}. The file is taken up again from its checkpoint at the next scan; other files go on")]
    public static partial void FileFailed(ILogger logger, string path, string reason, Exception exception);

    [LoggerMessage(EventId = 116, Level = LogLevel.Warning, Message = "{Path} was closed to stay under max_open_files and is gone: its {Bytes} bytes written after offset {Offset} could not be read")]
    public static partial void GoneWhileClosed(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(EventId = 117, Level = LogLevel.Information, Message = "Dropped {Count} checkpoints of files gone for over {Days} days")]
    public static partial void CheckpointsPruned(ILogger logger, int count, double days);

    [LoggerMessage(EventId = 118, Level = LogLevel.Warning, Message = "{Path} has lines that are not {Format} records (first at offset {Offset}); they are shipped as they are, counted in rlog_agent_records_unparsed_total. Said once per file")]
    public static partial void RecordsUnparsed(ILogger logger, string path, string format, long offset);

    [LoggerMessage(EventId = 119, Level = LogLevel.Warning, Message = "{Path} holds {Bytes} NUL bytes where a line starts (before offset {Offset}): the hole a writer leaves after copytruncate. They are skipped, not shipped, and counted in rlog_agent_nul_bytes_skipped_total; the lines after them are shipped. Said once per file")]
    public static partial void HoleSkipped(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Source {Label}: events did not parse as {Format} ({Reason}); they keep the time they were read at and are shipped as they are, counted in rlog_agent_parse_failures_total. Example: {Example}. Said at most once a minute per source")]
    public static partial void ParseFailed(ILogger logger, string label, string format, string reason, string example);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Source {Label}: its path {Pattern} matches no file (yet); files that appear later are picked up. Counted in rlog_agent_sources_matching_nothing")]
    public static partial void MatchesNothing(ILogger logger, string label, string pattern);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Source {Label}: its path {Pattern} now matches {Files} files")]
    public static partial void MatchesFiles(ILogger logger, string label, string pattern, int files);
}
