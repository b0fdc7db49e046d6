namespace RlogServer.Storage.Postgres;

/// <summary>
/// Lines a substring or regex search must read (<see cref="PostgresLineGrams.CandidatesAsync"/>): those of
/// one file stored on one day, from one offset to another, both included.
/// </summary>
internal readonly record struct GramCandidate(DateOnly Day, long FileNo, long OffsetLow, long OffsetHigh);
