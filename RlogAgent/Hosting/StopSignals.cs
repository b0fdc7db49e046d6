using System.Runtime.InteropServices;

namespace RlogAgent.Hosting;

/// <summary>
/// SIGTERM and SIGINT (Ctrl+C), taken over as the process starts so that a signal during start-up
/// is an orderly stop too: the first cancels <see cref="Token"/>; a second runs
/// <see cref="OnSecondSignal"/> and exits at once with <see cref="ExitCodes.Interrupted"/>.
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
        Environment.Exit(ExitCodes.Interrupted);
    }
}
