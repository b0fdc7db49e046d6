namespace RlogAgent.Collection;

/// <summary>
/// A source's <c>path</c> split into the folder to watch and the glob under it, with its exclude
/// patterns. Globs are glob(7) per segment (<c>*</c>, <c>?</c>, <c>[...]</c>, <c>[!...]</c>), plus
/// <c>**</c> for any number of folders and <c>{a,b}</c> for alternatives. A path without wildcards
/// names one file. An exclude pattern without a slash matches file names at any depth; with one, it
/// matches the path under the watched folder (or an absolute path).
/// </summary>
public sealed class SourcePattern
{
    private const string AnyDepth = "**";
    private static readonly char[] Wildcards = ['*', '?', '[', '{'];

    /// <summary>Folder separators in patterns: '/' everywhere, and '\' too on Windows (where it cannot escape).</summary>
    private static readonly char[] Separators = OperatingSystem.IsWindows() ? ['/', '\\'] : ['/'];
    private readonly List<GlobSegment[]> _includes = [];
    private readonly List<GlobSegment[]> _excludes = [];
    private readonly List<GlobSegment> _nameExcludes = [];

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

        var slash = full.LastIndexOfAny(Separators, wildcard);
        BaseDirectory = slash <= 0 || full[..slash] == Path.GetPathRoot(full)?.TrimEnd(Separators) ? Path.GetPathRoot(full)! : full[..slash];
        var relative = full[(slash + 1)..];
        foreach (var alternative in ExpandBraces(relative))
        {
            _includes.Add(Segments(alternative));
        }

        IncludesSubdirectories = _includes.Any(s => s.Length > 1 || s.Any(g => g.ToString() == AnyDepth));
        foreach (var pattern in exclude)
        {
            foreach (var alternative in ExpandBraces(pattern))
            {
                if (alternative.IndexOfAny(Separators) < 0)
                {
                    _nameExcludes.Add(new GlobSegment(alternative));
                    continue;
                }

                var rooted = Path.IsPathRooted(alternative) ? Path.GetFullPath(alternative) : null;
                var prefix = BaseDirectory.TrimEnd(Separators) + Path.DirectorySeparatorChar;
                var under = rooted is not null && rooted.StartsWith(prefix, StringComparison.Ordinal)
                    ? rooted[prefix.Length..]
                    : alternative.TrimStart(Separators);
                _excludes.Add(Segments(under));
            }
        }
    }

    /// <summary>The deepest folder without wildcards: what is watched for changes.</summary>
    public string BaseDirectory { get; }

    /// <summary>The one file named, when the path has no wildcards.</summary>
    public string? SingleFile { get; }

    public bool IncludesSubdirectories { get; }

    /// <summary>
    /// Full paths of the files that match now. A folder that cannot be listed is passed to
    /// <paramref name="onInaccessible"/> with the reason and skipped; the rest is still listed.
    /// </summary>
    public IReadOnlyCollection<string> Match(Action<string, string>? onInaccessible = null)
    {
        if (SingleFile is not null)
        {
            return File.Exists(SingleFile) || Directory.Exists(SingleFile) ? [SingleFile] : [];
        }

        var found = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(BaseDirectory))
        {
            return found;
        }

        foreach (var segments in _includes)
        {
            Walk(BaseDirectory, "", segments, 0, found, onInaccessible);
        }

        return found;
    }

    /// <summary>True when the path under the watched folder is excluded.</summary>
    public bool IsExcluded(string relativePath)
    {
        var parts = relativePath.Split(Separators);
        if (_nameExcludes.Any(e => e.IsMatch(parts[^1])))
        {
            return true;
        }

        return _excludes.Any(e => MatchesPath(e, 0, parts, 0));
    }

    private void Walk(string folder, string relative, GlobSegment[] segments, int index, HashSet<string> found, Action<string, string>? onInaccessible)
    {
        var segment = segments[index];
        var last = index == segments.Length - 1;
        if (segment.ToString() == AnyDepth)
        {
            if (last)
            {
                // A trailing ** takes every file below.
                AddFiles(folder, relative, null, found, onInaccessible);
            }
            else
            {
                Walk(folder, relative, segments, index + 1, found, onInaccessible);
            }

            // ** goes down through real folders only: a link back up would never end.
            foreach (var (name, sub) in Folders(folder, null, followLinks: false, onInaccessible))
            {
                Walk(sub, Join(relative, name), segments, index, found, onInaccessible);
            }

            return;
        }

        if (last)
        {
            AddFiles(folder, relative, segment, found, onInaccessible);
            return;
        }

        if (segment.IsLiteral)
        {
            var sub = Path.Combine(folder, segment.Literal);
            if (Directory.Exists(sub))
            {
                Walk(sub, Join(relative, segment.Literal), segments, index + 1, found, onInaccessible);
            }

            return;
        }

        foreach (var (name, sub) in Folders(folder, segment, followLinks: true, onInaccessible))
        {
            Walk(sub, Join(relative, name), segments, index + 1, found, onInaccessible);
        }
    }

    private void AddFiles(string folder, string relative, GlobSegment? segment, HashSet<string> found, Action<string, string>? onInaccessible)
    {
        if (segment is { IsLiteral: true })
        {
            var path = Path.Combine(folder, segment.Literal);
            if (File.Exists(path) && !IsExcluded(Join(relative, segment.Literal)))
            {
                found.Add(path);
            }

            return;
        }

        try
        {
            foreach (var path in Directory.EnumerateFiles(folder))
            {
                var name = Path.GetFileName(path);
                if ((segment is null || segment.IsMatch(name)) && !IsExcluded(Join(relative, name)))
                {
                    found.Add(path);
                }
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            onInaccessible?.Invoke(folder, e.Message);
        }
    }

    private static List<(string Name, string Path)> Folders(string folder, GlobSegment? segment, bool followLinks, Action<string, string>? onInaccessible)
    {
        var folders = new List<(string, string)>();
        try
        {
            foreach (var sub in Directory.EnumerateDirectories(folder))
            {
                var name = Path.GetFileName(sub);
                if (segment is not null && !segment.IsMatch(name))
                {
                    continue;
                }

                if (segment is null && name.StartsWith('.'))
                {
                    // ** does not descend into hidden folders, as shells' globstar does not.
                    continue;
                }

                if (!followLinks && new DirectoryInfo(sub).LinkTarget is not null)
                {
                    continue;
                }

                folders.Add((name, sub));
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            onInaccessible?.Invoke(folder, e.Message);
        }

        return folders;
    }

    private static bool MatchesPath(GlobSegment[] pattern, int p, string[] parts, int n)
    {
        if (p == pattern.Length)
        {
            return n == parts.Length;
        }

        if (pattern[p].ToString() == AnyDepth)
        {
            for (var skip = n; skip <= parts.Length; skip++)
            {
                if (MatchesPath(pattern, p + 1, parts, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return n < parts.Length && pattern[p].IsMatch(parts[n]) && MatchesPath(pattern, p + 1, parts, n + 1);
    }

    private static string Join(string relative, string name) => relative.Length == 0 ? name : relative + "/" + name;

    private static GlobSegment[] Segments(string relative) =>
        relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries).Select(s => new GlobSegment(s)).ToArray();

    /// <summary>
    /// Expands <c>{a,b}</c> alternatives (nested ones too) into whole patterns: <c>x-{a,b{1,2}}.log</c>
    /// gives <c>x-a.log</c>, <c>x-b1.log</c> and <c>x-b2.log</c>. An unclosed brace is an ordinary character.
    /// </summary>
    public static IReadOnlyList<string> ExpandBraces(string pattern)
    {
        var open = -1;
        var depth = 0;
        var commas = new List<int>();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c == '{')
            {
                if (depth++ == 0)
                {
                    open = i;
                    commas.Clear();
                }
            }
            else if (c == ',' && depth == 1)
            {
                commas.Add(i);
            }
            else if (c == '}' && depth > 0 && --depth == 0)
            {
                if (commas.Count == 0)
                {
                    // "{x}" has no alternatives: it stays as it is, as in shells.
                    continue;
                }

                var head = pattern[..open];
                var tail = pattern[(i + 1)..];
                var results = new List<string>();
                var start = open + 1;
                foreach (var end in commas.Append(i))
                {
                    results.AddRange(ExpandBraces(head + pattern[start..end] + tail));
                    start = end + 1;
                }

                return results;
            }
        }

        return [pattern];
    }
}
