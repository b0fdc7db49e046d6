using System.Runtime.InteropServices;
using System.Text;

namespace RlogAgent.Storage;

/// <summary>
/// Replaces a file so that a reader (or the agent after a crash) sees either the old content or the
/// new, never a mix: write a temp file beside it, flush it to disk, rename it over the target, then
/// flush the folder so the rename itself survives a power loss. Each write has a temp name of its
/// own, so two writers never share (and truncate) one temp file.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Owner read and write only: for files that hold secrets, identity or positions.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static long _writes;

    public static void WriteAllText(string path, string content, bool isPrivate)
    {
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), isPrivate);
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, bool isPrivate)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Interlocked.Increment(ref _writes)}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (isPrivate && !OperatingSystem.IsWindows())
        {
            // Created with the final mode: the content is never readable by others, not even briefly.
            options.UnixCreateMode = PrivateMode;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        FlushFolder(folder);
    }

    /// <summary>fsync(2) on the folder: a rename is durable only once its directory entry is.</summary>
    public static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals the rename itself; a directory cannot be opened for flushing there.
            return;
        }

        // O_RDONLY opens a directory too (O_DIRECTORY's value differs between architectures).
        var fd = Native.open(folder, Native.ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open the folder {folder} to flush it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Native.fsync(fd) != 0)
            {
                throw new IOException($"cannot flush the folder {folder} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Native.close(fd);
        }
    }

    private static partial class Native
    {
        public const int ReadOnly = 0;

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int close(int fd);
    }
}
