namespace RlogServer.Storage.Postgres;

/// <summary>One file of a batch: the lowest and highest offset the batch holds of it.</summary>
internal readonly record struct FileRange(long Low, long High);
