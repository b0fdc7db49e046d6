using System.Text;

namespace RlogAgent.Storage;

/// <summary>
/// Replaces a file so that a reader (or the agent after a crash) sees either the old content or the
/// new, never a mix: write a temp file beside it, flush it to disk, then rename it over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Owner read and write only: for files that hold secrets or identity.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteAllText(string path, string content, bool isPrivate)
    {
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), isPrivate);
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, bool isPrivate)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (isPrivate && !OperatingSystem.IsWindows())
        {
            // Created with the final mode: the secret is never readable by others, not even briefly.
            options.UnixCreateMode = PrivateMode;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
