namespace RlogAgent.Tests.Support;

/// <summary>Finds a project's own build output (beside its own deps.json), matching this test build's configuration.</summary>
public static class BuildOutput
{
    public static string Find(string project, string file)
    {
        var testFolder = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testFolder);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testFolder)!);
        var root = new DirectoryInfo(testFolder);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "RlogAgent.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("RlogAgent.sln not found above " + testFolder), project, "bin", configuration, framework, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first", path);
    }
}
