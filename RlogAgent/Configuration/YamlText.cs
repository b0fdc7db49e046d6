namespace RlogAgent.Configuration;

/// <summary>Writing values into agent.yaml text that <see cref="ConfigLoader"/> reads back unchanged.</summary>
internal static class YamlText
{
    /// <summary>
    /// A single-quoted YAML scalar: nothing in it is interpreted but a doubled quote. Dollars are
    /// doubled too, so <see cref="VariableSubstitution"/> gives the value back as it was.
    /// </summary>
    public static string Quote(string value) =>
        "'" + value.Replace("'", "''", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal) + "'";
}
