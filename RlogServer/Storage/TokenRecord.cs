namespace RlogServer.Storage;

/// <summary>A token as the store keeps it: its SHA-256 hash, never the token itself.</summary>
public readonly record struct TokenRecord(byte[] Hash, DateTimeOffset ExpiresAt);
