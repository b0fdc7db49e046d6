namespace RlogServer.Services;

/// <summary>
/// Bounds the messages this replica holds in memory across every <c>Send</c> call: a call takes a
/// slot (one largest message's worth of bytes) before it reads a message and gives it back once that
/// message is stored. When the slots are all taken, calls simply stop reading: HTTP/2 flow control
/// pushes back on their agents, whose writes wait or time out and are retried. Memory stays at most
/// <c>slots × largest message</c> whatever the number of agents or calls.
/// </summary>
internal sealed class InFlightBudget : IDisposable
{
    private readonly SemaphoreSlim _slots;

    public InFlightBudget(long maxBytes, int messageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, messageBytes);
        Slots = (int)Math.Min(int.MaxValue, maxBytes / messageBytes);
        _slots = new SemaphoreSlim(Slots, Slots);
    }

    /// <summary>Messages that may be held at once.</summary>
    public int Slots { get; }

    /// <summary>Slots free now.</summary>
    public int Free => _slots.CurrentCount;

    public Task TakeAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Return() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
