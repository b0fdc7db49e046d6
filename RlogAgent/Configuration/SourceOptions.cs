namespace RlogAgent.Configuration;

/// <summary>One entry of <c>sources</c> in agent.yaml: a file (or glob of files) and its label.</summary>
public sealed class SourceOptions
{
    /// <summary>The label every line of this source carries. Required.</summary>
    public string Label { get; set; } = "";

    /// <summary>
    /// A file path or a glob (<c>/var/log/app/*.log</c>, <c>/var/log/**/*.log</c>). Required.
    /// Relative paths are taken from the agent's working directory.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>Glob patterns of files that <see cref="Path"/> matches but must not be read. Default: none.</summary>
    public List<string> Exclude { get; set; } = [];
}
