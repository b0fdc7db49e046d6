using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class RefusalStreakTests
{
    [Test]
    public void AddRefusal_UpToTheLimit_TripsOnlyAtIt()
    {
        var streak = new RefusalStreak(limit: 3);

        var trips = Enumerable.Range(0, 4).Select(_ => streak.AddRefusal()).ToList();

        Assert.That(trips, Is.EqualTo(new[] { false, false, true, true }));
    }

    [Test]
    public void Reset_AfterRefusals_AnAcceptedCallStartsTheCountAgain()
    {
        var streak = new RefusalStreak(limit: 2);
        streak.AddRefusal();

        streak.Reset();

        Assert.Multiple(() =>
        {
            Assert.That(streak.AddRefusal(), Is.False);
            Assert.That(streak.InARow, Is.EqualTo(1));
        });
    }
}
