using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

/// <summary>
/// The follow cursor of <c>query --follow</c> and the console's tail: an id that commits after a
/// higher one (PostgreSQL hands ids out before commit) is still given, and nothing twice.
/// </summary>
[TestFixture]
public sealed class FollowCursorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Take_LowerIdCommittedLate_GivenOnce_AndTheMarkWaitsForItToSettle()
    {
        var cursor = new FollowCursor(100, TimeSpan.FromSeconds(5));

        // Poll 1 sees 102 (fresh) but not 101, still uncommitted.
        var first = cursor.Take([Line(102, Now)], Now, pageFull: false);
        // Poll 2: 101 has committed; 102 comes back again (not yet settled).
        var second = cursor.Take([Line(101, Now), Line(102, Now)], Now.AddSeconds(1), pageFull: false);
        var markWhileFresh = cursor.LowWater;
        // Later both have settled: the mark moves past them and nothing is given again.
        var third = cursor.Take([Line(101, Now), Line(102, Now)], Now.AddSeconds(6), pageFull: false);

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(l => l.Id), Is.EqualTo(new long[] { 102 }));
            Assert.That(second.Select(l => l.Id), Is.EqualTo(new long[] { 101 }));
            Assert.That(markWhileFresh, Is.EqualTo(100));
            Assert.That(third, Is.Empty);
            Assert.That(cursor.LowWater, Is.EqualTo(102));
        });
    }

    [Test]
    public void Take_FullPage_MovesTheMarkPastEverythingRead()
    {
        var cursor = new FollowCursor(0, TimeSpan.FromSeconds(5));

        var given = cursor.Take([Line(1, Now), Line(2, Now)], Now, pageFull: true);

        Assert.Multiple(() =>
        {
            Assert.That(given.Select(l => l.Id), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(cursor.LowWater, Is.EqualTo(2));
        });
    }

    private static StoredLine Line(long id, DateTimeOffset receivedAt) =>
        new("agent", "app", $"line {id}", "/var/log/app.log", "file", (ulong)id, "batch") { Id = id, ReceivedAt = receivedAt };
}
