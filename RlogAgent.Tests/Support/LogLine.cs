namespace RlogAgent.Tests.Support;

/// <summary>
/// One line as tests write and read it: its text as a string, what names it, and when it was read.
/// The agent itself keeps lines as UTF-8 slices of chunks; <see cref="TestLines"/> converts.
/// </summary>
public sealed record LogLine(string Label, string Text, DateTime ReadAtUtc, string Source, string FileId, long Offset, long NextOffset);
