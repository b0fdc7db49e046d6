namespace RlogAgent.Configuration;

/// <summary>Where a setting's text came from, so a bad value's error names the file, line and field (or variable).</summary>
internal readonly record struct SettingOrigin(string File, string Field, long Line)
{
    public ConfigException Fail(string problem) => new(File, Field, problem, Line);
}
