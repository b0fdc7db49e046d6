namespace RlogAgent.Health;

/// <summary>
/// What the running parts of the agent tell the probes: registration, deliveries the server
/// acknowledged, and the ticks of the agent's own loops. Calls are cheap and thread-safe; they are
/// made from the confirmation callback and background loops, never awaited.
/// </summary>
public interface IHealthReporter
{
    /// <summary>The agent holds an access token: registration (or a refresh of a stored identity) succeeded.</summary>
    void Registered();

    /// <summary>The server acknowledged something: a <c>Send</c> call was confirmed or a heartbeat answered.</summary>
    void Delivered();

    /// <summary>The agent's periodic local loop (the checkpoint flush) ran once more.</summary>
    void LoopTicked();
}
