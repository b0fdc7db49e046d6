namespace RlogAgent.Configuration;

/// <summary>A configuration problem, naming the file, the field and what is wrong.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, string field, string problem, long line = 0)
        : base(Format(file, field, problem, line))
    {
        File = file;
        Field = field;
        Problem = problem;
    }

    public string File { get; }

    public string Field { get; }

    public string Problem { get; }

    private static string Format(string file, string field, string problem, long line)
    {
        var where = line > 0 ? $"{file}:{line}" : file;
        return string.IsNullOrEmpty(field) ? $"{where}: {problem}" : $"{where}: {field}: {problem}";
    }
}
