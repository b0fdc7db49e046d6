namespace RlogServer.Storage.Postgres;

/// <summary>One file of a batch: its <c>file_key</c>, and the lowest and highest offset the batch holds of it.</summary>
internal readonly record struct FileRange(Guid Key, long Low, long High);
