namespace RlogAgent.Health;

/// <summary>The answer to one probe: healthy or not, and a short reason a person can read.</summary>
public readonly record struct HealthReport(bool Healthy, string Reason);
