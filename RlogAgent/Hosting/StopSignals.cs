using System.Runtime.InteropServices;

namespace RlogAgent.Hosting;

/// <summary>
/// SIGTERM and SIGINT (Ctrl+C), taken over as the process starts so that a signal during start-up
/// is an orderly stop too: the first cancels <see cref="Token"/>; a second runs
/// <see cref="OnSecondSignal"/> and exits at once with 128 + that signal's number
/// (<see cref="ExitCodes.Terminated"/> for SIGTERM, <see cref="ExitCodes.Interrupted"/> for SIGINT),
/// the code shells and supervisors read as "killed by that signal".
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _interrupt;
    private int _count;

    public StopSignals()
    {
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

    /// <summary>The exit code after a second <paramref name="signal"/>: 128 + its number.</summary>
    public static int ExitCodeFor(PosixSignal signal) => signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
}
