using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace RlogAgent.Collection;

/// <summary>
/// Which file a path or handle is, independent of its name. On Linux: device, inode and birth
/// time (statx), so an inode the file system hands to a new file after the old one was deleted is
/// a new identity. On Windows: the volume serial number and the file index, which NTFS keeps per
/// file (its creation time is not enough: a file re-created under a just-renamed name inherits
/// the old one's). Two paths with the same identity are the same file (a rename, a link).
/// </summary>
/// <param name="Device">Device number (Linux) or volume serial number (Windows).</param>
/// <param name="Inode">Inode number (Linux) or file index (Windows).</param>
/// <param name="Birth">Birth time in nanoseconds since the epoch where the file system records one; 0 otherwise.</param>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode, long Birth = 0)
{
    /// <summary>The identity without its birth time, as agents before it wrote checkpoints.</summary>
    public string LegacyKey => $"{Device:x}:{Inode:x}";

    public override string ToString() => Birth == 0 ? LegacyKey : $"{Device:x}:{Inode:x}:{Birth:x}";

    /// <summary>Identity of the file a path names (links followed), or null when it cannot be read.</summary>
    public static FileIdentity? OfPath(string path, out long size, out bool isDirectory) =>
        OfPath(path, out size, out isDirectory, out _);

    /// <summary>
    /// Identity of the file a path names (links followed), or null when it cannot be read;
    /// <paramref name="isRegular"/> is false for a folder, a FIFO, a socket or a device.
    /// </summary>
    public static FileIdentity? OfPath(string path, out long size, out bool isDirectory, out bool isRegular)
    {
        if (OperatingSystem.IsWindows())
        {
            var identity = Windows.OfPath(path, out size, out isDirectory);
            isRegular = identity is not null;
            return identity;
        }

        return Native.Statx(path, out size, out isDirectory, out isRegular);
    }

    /// <summary>Identity of an open file, race-free against renames of its path.</summary>
    public static FileIdentity OfHandle(SafeFileHandle handle, string path)
    {
        var identity = OperatingSystem.IsWindows() ? Windows.OfHandle(handle) : Native.Fstatx(handle);
        return identity ?? throw new IOException($"cannot identify the open file {path}");
    }

    /// <summary>statx(2): its buffer layout is the same on every Linux architecture, unlike struct stat.</summary>
    private static unsafe partial class Native
    {
        private const int AtFdCwd = -100;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxBasicStats = 0x7ff;
        private const uint StatxBtime = 0x800;
        private const int MaskOffset = 0;
        private const int InodeOffset = 32;
        private const int ModeOffset = 28;
        private const int SizeOffset = 40;
        private const int BtimeOffset = 80;
        private const int DevMajorOffset = 136;
        private const int DevMinorOffset = 140;
        private const int BufferSize = 256;
        private const ushort FileTypeMask = 0xF000;
        private const ushort DirectoryType = 0x4000;
        private const ushort RegularType = 0x8000;

        public static FileIdentity? Statx(string path, out long size, out bool isDirectory, out bool isRegular)
        {
            var buffer = stackalloc byte[BufferSize];
            if (statx(AtFdCwd, path, 0, StatxBasicStats | StatxBtime, buffer) != 0)
            {
                size = 0;
                isDirectory = false;
                isRegular = false;
                return null;
            }

            var identity = Decode(buffer, out size, out isDirectory);
            isRegular = (*(ushort*)(buffer + ModeOffset) & FileTypeMask) == RegularType;
            return identity;
        }

        public static FileIdentity? Fstatx(SafeFileHandle handle)
        {
            var buffer = stackalloc byte[BufferSize];
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                var fd = (int)handle.DangerousGetHandle();
                return statx(fd, "", AtEmptyPath, StatxBasicStats | StatxBtime, buffer) != 0 ? null : Decode(buffer, out _, out _);
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
            long birth = 0;
            if ((*(uint*)(buffer + MaskOffset) & StatxBtime) != 0)
            {
                // struct statx_timestamp: s64 seconds, u32 nanoseconds.
                birth = (*(long*)(buffer + BtimeOffset) * 1_000_000_000L) + *(uint*)(buffer + BtimeOffset + 8);
            }

            return new FileIdentity(device, inode, birth);
        }

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }

    /// <summary>GetFileInformationByHandle: the volume serial number and the 64-bit file index.</summary>
    [SupportedOSPlatform("windows")]
    private static partial class Windows
    {
        public static FileIdentity? OfPath(string path, out long size, out bool isDirectory)
        {
            size = 0;
            isDirectory = Directory.Exists(path);
            if (isDirectory || !File.Exists(path))
            {
                return null;
            }

            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                size = RandomAccess.GetLength(handle);
                return OfHandle(handle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        public static FileIdentity? OfHandle(SafeFileHandle handle)
        {
            if (!GetFileInformationByHandle(handle, out var info))
            {
                return null;
            }

            return new FileIdentity(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow);
        }

        // FILETIME is two DWORDs: 4-byte aligned, so the struct is packed to 4 (52 bytes).
        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        private struct ByHandleFileInformation
        {
            public uint FileAttributes;
            public long CreationTime;
            public long LastAccessTime;
            public long LastWriteTime;
            public uint VolumeSerialNumber;
            public uint FileSizeHigh;
            public uint FileSizeLow;
            public uint NumberOfLinks;
            public uint FileIndexHigh;
            public uint FileIndexLow;
        }

        [LibraryImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static partial bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation information);
    }
}
