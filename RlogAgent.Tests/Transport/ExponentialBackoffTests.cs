using RlogAgent.Common;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class ExponentialBackoffTests
{
    [Test]
    public void Next_Repeated_DoublesWithinJitterUpToCap()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new Random(7));

        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Next().TotalMilliseconds).ToList();

        for (var i = 0; i < delays.Count; i++)
        {
            var ceiling = Math.Min(30_000, 500 * Math.Pow(2, i));
            Assert.That(delays[i], Is.InRange(ceiling / 2, ceiling), $"attempt {i}");
        }
    }

    [Test]
    public void Reset_AfterFailures_StartsOverAtInitial()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new Random(1));
        for (var i = 0; i < 8; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.That(backoff.Next().TotalMilliseconds, Is.InRange(250, 500));
    }
}
