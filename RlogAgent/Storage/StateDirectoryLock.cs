namespace RlogAgent.Storage;

/// <summary>
/// Holds <c>&lt;state_dir&gt;/agent.lock</c> for as long as the agent runs: two agents sharing one
/// state folder would overwrite each other's checkpoints and tokens, so the second refuses to
/// start. The lock is the operating system's (flock on Unix, a sharing lock on Windows): it goes
/// with the process, so a crashed agent never leaves a stale lock behind.
/// </summary>
public sealed class StateDirectoryLock : IDisposable
{
    public const string FileName = "agent.lock";

    private readonly FileStream _file;

    private StateDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or throws <see cref="StateDirectoryInUseException"/> when another agent holds it.</summary>
    public static StateDirectoryLock Acquire(string stateDir)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, FileName);
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = AtomicFile.PrivateMode;
        }

        try
        {
            var file = new FileStream(path, options);
            file.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
            file.Write(pid);
            file.Flush();
            return new StateDirectoryLock(file);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new StateDirectoryInUseException(path, e);
        }
    }

    public void Dispose() => _file.Dispose();
}
