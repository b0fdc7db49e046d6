namespace RlogServer.Storage;

/// <summary>What storing one batch did: lines new to the store, and lines it already held.</summary>
public readonly record struct BatchStoreResult(int Stored, int Duplicates);
