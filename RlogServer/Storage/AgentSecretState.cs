namespace RlogServer.Storage;

/// <summary>What the store knows of an agent's secret.</summary>
/// <param name="Exists">True when the agent has a row.</param>
/// <param name="SecretHash">SHA-256 of its secret, or null when it has none on record.</param>
public readonly record struct AgentSecretState(bool Exists, byte[]? SecretHash);
