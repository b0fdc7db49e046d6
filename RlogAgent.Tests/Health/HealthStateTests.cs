using Microsoft.Extensions.Time.Testing;
using RlogAgent.Health;

namespace RlogAgent.Tests.Health;

[TestFixture]
public sealed class HealthStateTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    private FakeTimeProvider _time = null!;
    private HealthState _health = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _health = new HealthState(Heartbeat, _time);
    }

    [Test]
    public void Liveness_BeforeTheLoopStarts_IsHealthy()
    {
        // Registration may wait on an unreachable server indefinitely: that is no reason to restart.
        _time.Advance(TimeSpan.FromHours(1));

        Assert.That(_health.Liveness(), Is.EqualTo(new HealthReport(true, "starting")));
    }

    [Test]
    public void Liveness_LoopTicksWithinTheBound_IsHealthyAndSilentBeyondItIsNot()
    {
        _health.LoopTicked();
        _time.Advance(HealthState.LivenessBound);
        var atBound = _health.Liveness();
        _time.Advance(TimeSpan.FromSeconds(1));
        var beyond = _health.Liveness();

        Assert.Multiple(() =>
        {
            Assert.That(atBound.Healthy, Is.True);
            Assert.That(beyond.Healthy, Is.False);
            Assert.That(beyond.Reason, Does.Contain("checkpoint loop has not run for 31 s"));
        });
    }

    [Test]
    public void Liveness_NoDeliveryForHours_StaysHealthy()
    {
        _health.Registered();
        _health.Delivered();
        for (var i = 0; i < 3600; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _health.LoopTicked();
        }

        Assert.Multiple(() =>
        {
            Assert.That(_health.Liveness().Healthy, Is.True, "a server outage never fails liveness");
            Assert.That(_health.Readiness().Healthy, Is.False);
        });
    }

    [Test]
    public void Readiness_NotRegistered_IsNotReady()
    {
        _health.Delivered();

        Assert.That(_health.Readiness(), Is.EqualTo(new HealthReport(false, "not registered yet")));
    }

    [Test]
    public void Readiness_RegisteredWithoutDelivery_IsNotReady()
    {
        _health.Registered();

        Assert.That(_health.Readiness().Healthy, Is.False);
    }

    [Test]
    public void Readiness_DeliveryWithinThreeHeartbeats_IsReadyAndBeyondIsNot()
    {
        _health.Registered();
        _health.Delivered();
        _time.Advance(Heartbeat * 3);
        var atBound = _health.Readiness();
        _time.Advance(TimeSpan.FromSeconds(1));
        var beyond = _health.Readiness();
        _health.Delivered();
        var again = _health.Readiness();

        Assert.Multiple(() =>
        {
            Assert.That(atBound, Is.EqualTo(new HealthReport(true, "ok")));
            Assert.That(beyond.Healthy, Is.False);
            Assert.That(beyond.Reason, Does.Contain("for 91 s (bound 90 s)"));
            Assert.That(again.Healthy, Is.True);
        });
    }

    [TestCase(0.2, 5)]
    [TestCase(1, 5)]
    [TestCase(2, 6)]
    [TestCase(30, 90)]
    public void ReadyBound_IsThreeHeartbeatsButNeverUnderFiveSeconds(double heartbeatSeconds, double expectedSeconds)
    {
        var health = new HealthState(TimeSpan.FromSeconds(heartbeatSeconds), _time);

        Assert.That(health.ReadyBound, Is.EqualTo(TimeSpan.FromSeconds(expectedSeconds)));
    }
}
