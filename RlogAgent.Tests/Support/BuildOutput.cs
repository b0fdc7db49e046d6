namespace RlogAgent.Tests.Support;

/// <summary>Finds the repository (the folder of RlogAgent.sln) and a project's own build output in it.</summary>
public static class BuildOutput
{
    /// <summary>The repository's root: the first folder above the tests' own that holds RlogAgent.sln.</summary>
    public static string RepoRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "RlogAgent.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("RlogAgent.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A project's own build output (beside its own deps.json), matching this test build's configuration.</summary>
    public static string Find(string project, string file)
    {
        var testFolder = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testFolder);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testFolder)!);
        var path = Path.Combine(RepoRoot(), project, "bin", configuration, framework, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first", path);
    }
}
