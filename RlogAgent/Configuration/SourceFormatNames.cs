namespace RlogAgent.Configuration;

/// <summary>The names of <see cref="SourceFormat"/> as <c>format</c> in agent.yaml spells them.</summary>
internal static class SourceFormatNames
{
    /// <summary>The accepted names, as an error message lists them.</summary>
    public const string Expected = "'plain', 'cri' or 'docker'";

    public static bool TryParse(string text, out SourceFormat format)
    {
        (var known, format) = text switch
        {
            "plain" => (true, SourceFormat.Plain),
            "cri" => (true, SourceFormat.Cri),
            "docker" => (true, SourceFormat.Docker),
            _ => (false, SourceFormat.Plain),
        };
        return known;
    }

    public static string Name(SourceFormat format) => format switch
    {
        SourceFormat.Cri => "cri",
        SourceFormat.Docker => "docker",
        _ => "plain",
    };
}
