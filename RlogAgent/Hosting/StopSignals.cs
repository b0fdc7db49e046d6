using System.Runtime.InteropServices;

namespace RlogAgent.Hosting;

/// <summary>
/// SIGTERM and SIGINT (Ctrl+C), taken over as the process starts so that a signal during start-up
/// is an orderly stop too: the first cancels <see cref="Token"/>; a second runs
/// <see cref="OnSecondSignal"/> and exits at once with 128 + that signal's number
/// (<see cref="ExitCodes.Terminated"/> for SIGTERM, <see cref="ExitCodes.Interrupted"/> for SIGINT),
/// the code shells and supervisors read as "killed by that signal".
/// <para>
/// SIGINT is taken over even when the agent starts with it ignored, as a shell without job control
/// starts every command run with <c>&amp;</c> (an entrypoint script that runs the agent beside the
/// application), and as Go's and Rust's signal libraries do for Filebeat and Vector: .NET leaves an
/// ignored SIGINT ignored, so the stop that a script or supervisor forwards would never arrive.
/// </para>
/// </summary>
public sealed partial class StopSignals : IDisposable
{
    // The raw signal number and dispositions of signal(2) (PosixSignal.SIGINT is .NET's own value).
    private const int Sigint = 2;
    private const nint SigDefault = 0;
    private const nint SigIgnore = 1;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _interrupt;
    private int _count;

    public StopSignals()
    {
        if (OperatingSystem.IsLinux() && IsIgnored(Sigint))
        {
            // Back to the default first: .NET installs its handler only over a signal not ignored.
            signal(Sigint, SigDefault);
        }

        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Last words before an immediate exit (log it, write checkpoints).</summary>
    public Action? OnSecondSignal { get; set; }

    public void Dispose()
    {
        _term.Dispose();
        _interrupt.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) == 1)
        {
            _stop.Cancel();
            return;
        }

        OnSecondSignal?.Invoke();
        Environment.Exit(ExitCodeFor(context.Signal));
    }

    /// <summary>
    /// Whether <paramref name="signal"/> is ignored in this process, asked of sigaction (a chroot
    /// or a bare container may have no /proc to read it from).
    /// </summary>
    internal static bool IsIgnored(int signal)
    {
        // struct sigaction starts with its handler on Linux (glibc and musl); 256 bytes hold the
        // rest (152 on x86-64).
        var old = Marshal.AllocHGlobal(256);
        try
        {
            return sigaction(signal, 0, old) == 0 && Marshal.ReadIntPtr(old) == SigIgnore;
        }
        finally
        {
            Marshal.FreeHGlobal(old);
        }
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int sigaction(int signum, nint act, nint oldact);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint signal(int signum, nint handler);

    /// <summary>The exit code after a second <paramref name="signal"/>: 128 + its number.</summary>
    public static int ExitCodeFor(PosixSignal signal) => signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
}
