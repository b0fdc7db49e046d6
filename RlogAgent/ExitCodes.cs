namespace RlogAgent;

/// <summary>What the agent's exit code tells the container runtime or supervisor (README, "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Stopped on request, and the server confirmed every line read.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error stopped the agent; the log says which.</summary>
    public const int Fatal = 1;

    /// <summary>The configuration or the command line is wrong; the message names the file, field and problem.</summary>
    public const int ConfigError = 2;

    /// <summary>Another agent uses the same state_dir (its lock file is held): this one did not start.</summary>
    public const int StateDirInUse = 3;

    /// <summary>Stopped on request, but the server did not confirm everything within shutdown_timeout; the rest is sent at the next start.</summary>
    public const int ShutdownIncomplete = 4;

    /// <summary>A second signal during shutdown whose last signal was SIGINT: exited at once (128 + 2, as shells report it).</summary>
    public const int Interrupted = 128 + 2;

    /// <summary>A second signal during shutdown whose last signal was SIGTERM: exited at once (128 + 15, as shells report it).</summary>
    public const int Terminated = 128 + 15;
}
