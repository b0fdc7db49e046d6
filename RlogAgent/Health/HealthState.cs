namespace RlogAgent.Health;

/// <summary>
/// The state behind <c>/healthz</c> and <c>/ready</c>.
/// <para>
/// Liveness (<see cref="Liveness"/>): the process answers and its local loop runs. Before the loop
/// starts (registration may wait on an unreachable server for as long as it takes) the agent counts
/// as alive: restarting it would not bring the server back. Once started, the checkpoint flush loop
/// (every second, local disk only) must have ticked within <see cref="LivenessBound"/>. Nothing in
/// liveness depends on the network, so a server outage never gets the agent killed.
/// </para>
/// <para>
/// Readiness (<see cref="Readiness"/>): registered, and the server acknowledged a <c>Send</c> or a
/// heartbeat within <see cref="ReadyBound"/>, three heartbeat intervals (at least
/// <see cref="MinimumReadyBound"/>): two heartbeats in a row may fail before the agent reports
/// not ready.
/// </para>
/// </summary>
public sealed class HealthState : IHealthReporter
{
    /// <summary>How many heartbeat intervals may pass without an acknowledgement before the agent is not ready.</summary>
    public const int ReadyHeartbeatIntervals = 3;

    /// <summary>The shortest readiness bound, so a very short heartbeat_interval does not make readiness flap.</summary>
    public static readonly TimeSpan MinimumReadyBound = TimeSpan.FromSeconds(5);

    /// <summary>How long the checkpoint flush loop (every second) may be silent before the agent is not alive.</summary>
    public static readonly TimeSpan LivenessBound = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;
    private long _registered;
    private long _lastDelivery = NotYet;
    private long _lastTick = NotYet;

    private const long NotYet = long.MinValue;

    public HealthState(TimeSpan heartbeatInterval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(heartbeatInterval, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        var bound = heartbeatInterval * ReadyHeartbeatIntervals;
        ReadyBound = bound < MinimumReadyBound ? MinimumReadyBound : bound;
    }

    /// <summary>How recent the last acknowledgement must be for <c>/ready</c>.</summary>
    public TimeSpan ReadyBound { get; }

    public void Registered() => Interlocked.Exchange(ref _registered, 1);

    public void Delivered() => Interlocked.Exchange(ref _lastDelivery, _time.GetTimestamp());

    public void LoopTicked() => Interlocked.Exchange(ref _lastTick, _time.GetTimestamp());

    /// <summary>The answer for <c>/healthz</c>.</summary>
    public HealthReport Liveness()
    {
        var tick = Interlocked.Read(ref _lastTick);
        if (tick == NotYet)
        {
            return new HealthReport(true, "starting");
        }

        var silent = _time.GetElapsedTime(tick);
        return silent <= LivenessBound
            ? new HealthReport(true, "ok")
            : new HealthReport(false, $"the checkpoint loop has not run for {silent.TotalSeconds:F0} s");
    }

    /// <summary>The answer for <c>/ready</c>.</summary>
    public HealthReport Readiness()
    {
        if (Interlocked.Read(ref _registered) == 0)
        {
            return new HealthReport(false, "not registered yet");
        }

        var delivery = Interlocked.Read(ref _lastDelivery);
        if (delivery == NotYet)
        {
            return new HealthReport(false, "no Send or heartbeat acknowledged yet");
        }

        var since = _time.GetElapsedTime(delivery);
        return since <= ReadyBound
            ? new HealthReport(true, "ok")
            : new HealthReport(false, $"no Send or heartbeat acknowledged for {since.TotalSeconds:F0} s (bound {ReadyBound.TotalSeconds:F0} s)");
    }
}
