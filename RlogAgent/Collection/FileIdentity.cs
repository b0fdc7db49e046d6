using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RlogAgent.Collection;

/// <summary>
/// Which file a path or handle is, independent of its name: device and inode on Unix, volume-less
/// creation time on Windows. Two paths with the same identity are the same file (a rename, a link).
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    public override string ToString() => $"{Device:x}:{Inode:x}";

    /// <summary>Identity of the file a path names (links followed), or null when it cannot be read.</summary>
    public static FileIdentity? OfPath(string path, out long size, out bool isDirectory)
    {
        size = 0;
        isDirectory = false;
        if (OperatingSystem.IsWindows())
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path))
            {
                isDirectory = true;
                return null;
            }

            if (!info.Exists)
            {
                return null;
            }

            size = info.Length;
            return new FileIdentity(0, (ulong)info.CreationTimeUtc.Ticks);
        }

        return Native.Statx(path, out size, out isDirectory);
    }

    /// <summary>Identity of an open file, race-free against renames of its path.</summary>
    public static FileIdentity OfHandle(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileIdentity(0, (ulong)File.GetCreationTimeUtc(handle).Ticks);
        }

        return Native.Fstatx(handle) ?? throw new IOException($"cannot identify the open file {path}");
    }

    /// <summary>statx(2): its buffer layout is the same on every Linux architecture, unlike struct stat.</summary>
    private static unsafe partial class Native
    {
        private const int AtFdCwd = -100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxBasicStats = 0x7ff;
        private const int InodeOffset = 32;
        private const int ModeOffset = 28;
        private const int SizeOffset = 40;
        private const int DevMajorOffset = 136;
        private const int DevMinorOffset = 140;
        private const int BufferSize = 256;
        private const ushort FileTypeMask = 0xF000;
        private const ushort DirectoryType = 0x4000;

        public static FileIdentity? Statx(string path, out long size, out bool isDirectory)
        {
            var buffer = stackalloc byte[BufferSize];
            if (statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
            {
                size = 0;
                isDirectory = false;
                return null;
            }

            return Decode(buffer, out size, out isDirectory);
        }

        public static FileIdentity? Fstatx(SafeFileHandle handle)
        {
            var buffer = stackalloc byte[BufferSize];
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                var fd = (int)handle.DangerousGetHandle();
                return statx(fd, "", AtEmptyPath, StatxBasicStats, buffer) != 0 ? null : Decode(buffer, out _, out _);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        private static FileIdentity Decode(byte* buffer, out long size, out bool isDirectory)
        {
            var mode = *(ushort*)(buffer + ModeOffset);
            isDirectory = (mode & FileTypeMask) == DirectoryType;
            size = *(long*)(buffer + SizeOffset);
            var inode = *(ulong*)(buffer + InodeOffset);
            var device = ((ulong)*(uint*)(buffer + DevMajorOffset) << 32) | *(uint*)(buffer + DevMinorOffset);
            return new FileIdentity(device, inode);
        }

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
