using Microsoft.Extensions.FileSystemGlobbing;

namespace RlogAgent.Collection;

/// <summary>
/// A source's <c>path</c> split into the folder to watch and the glob under it, with its exclude
/// patterns. A path without wildcards names one file.
/// </summary>
public sealed class SourcePattern
{
    private static readonly char[] Wildcards = ['*', '?', '['];
    private readonly Matcher? _matcher;

    public SourcePattern(string path, IReadOnlyList<string> exclude)
    {
        var full = Path.GetFullPath(path);
        var wildcard = full.IndexOfAny(Wildcards);
        if (wildcard < 0)
        {
            BaseDirectory = Path.GetDirectoryName(full) ?? full;
            SingleFile = full;
            return;
        }

        var slash = full.LastIndexOf(Path.DirectorySeparatorChar, wildcard);
        BaseDirectory = slash <= 0 ? Path.GetPathRoot(full)! : full[..slash];
        var relative = full[(slash + 1)..];
        IncludesSubdirectories = relative.Contains("**", StringComparison.Ordinal) || relative.Contains(Path.DirectorySeparatorChar);
        _matcher = new Matcher(StringComparison.Ordinal);
        _matcher.AddInclude(relative);
        foreach (var pattern in exclude)
        {
            var fullExclude = Path.IsPathRooted(pattern) ? Path.GetFullPath(pattern) : null;
            _matcher.AddExclude(fullExclude is not null && fullExclude.StartsWith(BaseDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? fullExclude[(BaseDirectory.Length + 1)..]
                : pattern.TrimStart('/'));
        }
    }

    /// <summary>The deepest folder without wildcards: what is watched for changes.</summary>
    public string BaseDirectory { get; }

    /// <summary>The one file named, when the path has no wildcards.</summary>
    public string? SingleFile { get; }

    public bool IncludesSubdirectories { get; }

    /// <summary>Full paths of the files that match now.</summary>
    public IEnumerable<string> Match()
    {
        if (SingleFile is not null)
        {
            return File.Exists(SingleFile) || Directory.Exists(SingleFile) ? [SingleFile] : [];
        }

        return Directory.Exists(BaseDirectory) ? _matcher!.GetResultsInFullPath(BaseDirectory) : [];
    }
}
