namespace RlogAgent.Configuration;

/// <summary>Where the agent starts in a file that already exists the first time it ever sees it.</summary>
public enum ReadFrom
{
    /// <summary>Skip what the file holds already; ship only what is appended (the default).</summary>
    End,

    /// <summary>Ship the file from its first byte.</summary>
    Beginning,
}
