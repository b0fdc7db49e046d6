namespace RlogAgent.Configuration;

/// <summary>How the agent writes its own log to the console (<c>log_format</c> in agent.yaml).</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry, UTC timestamp first (the default).</summary>
    Text,

    /// <summary>One JSON object per line, for log pipelines.</summary>
    Json,
}
