using Microsoft.Extensions.Time.Testing;
using RlogAgent.Common;
using RlogAgent.Hosting;
using RlogAgent.Tests.Metrics;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Hosting;

[TestFixture]
public sealed class IdleMemoryTrimmerTests
{
    private const int TrimmedEvent = 15;

    [Test]
    public async Task RunAsync_QuietThenBusyThenQuiet_GivesMemoryBackOncePerQuietSpell()
    {
        var time = new FakeTimeProvider();
        var counters = new AgentCounters();
        var logger = new RecordingLogger();
        using var stop = new CancellationTokenSource();
        var trimmer = new IdleMemoryTrimmer(counters, logger, time);
        var run = trimmer.RunAsync(stop.Token);
        int Trims() => logger.Entries.Count(e => e.EventId.Id == TrimmedEvent);

        // First tick records the counters, the second finds them unchanged: one trim, then no more.
        await AdvanceAsync(time, trimmer, 3);
        Assert.That(Trims(), Is.EqualTo(1), "one trim once quiet");
        await AdvanceAsync(time, trimmer, 3);
        Assert.That(Trims(), Is.EqualTo(1), "not again while the same quiet spell lasts");

        counters.AddRead(100);
        await AdvanceAsync(time, trimmer, 1);
        Assert.That(Trims(), Is.EqualTo(1), "busy: nothing to give back");
        await AdvanceAsync(time, trimmer, 1);
        Assert.That(Trims(), Is.EqualTo(2), "a trim after the next quiet spell");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Moves the fake clock tick by tick, waiting each time until the loop has looked.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, IdleMemoryTrimmer trimmer, int ticks)
    {
        for (var i = 0; i < ticks; i++)
        {
            var seen = trimmer.Ticks;
            time.Advance(IdleMemoryTrimmer.QuietFor);
            await Eventually.WaitAsync(() => trimmer.Ticks > seen, "the trimmer looked");
        }
    }
}
