using Microsoft.Extensions.Time.Testing;
using RlogAgent.Common;
using RlogAgent.Metrics;

namespace RlogAgent.Tests.Metrics;

[TestFixture]
public sealed class BackfillProgressTests
{
    private const long Threshold = 1000;
    private FakeTimeProvider _time = null!;
    private AgentCounters _counters = null!;
    private RecordingLogger _logger = null!;
    private BackfillProgress _progress = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _counters = new AgentCounters();
        _logger = new RecordingLogger();
        _progress = new BackfillProgress(_counters, _logger, _time, Threshold);
    }

    [Test]
    public void Tick_LagBelowThreshold_LogsNothing()
    {
        _counters.FileLag["/a"] = Threshold;
        _counters.AddRead(100);
        _time.Advance(BackfillProgress.Interval);

        _progress.Tick();

        Assert.That(_logger.Entries, Is.Empty);
    }

    [Test]
    public void Tick_LagAboveThreshold_LogsRateAndBytesRemaining()
    {
        _counters.FileLag["/a"] = 5000;
        _counters.FileLag["/b"] = 3000;
        _counters.FileLag["/c"] = 0;
        _counters.AddRead(2000);
        _counters.AddBytesRead(40_000);
        _time.Advance(TimeSpan.FromSeconds(10));

        _progress.Tick();

        Assert.That(_logger.Entries, Has.Count.EqualTo(1));
        Assert.That(_logger.Entries[0].EventId.Id, Is.EqualTo(503));
        Assert.That(_logger.Entries[0].Message, Is.EqualTo("Backfill: 200 lines/s, 4000 bytes/s read; 8000 bytes remaining in 2 files"));
    }

    [Test]
    public void Tick_CaughtUpAfterBackfill_LogsDoneOnce()
    {
        _counters.FileLag["/a"] = 5000;
        _time.Advance(BackfillProgress.Interval);
        _progress.Tick();
        _counters.FileLag["/a"] = 10;

        _time.Advance(BackfillProgress.Interval);
        _progress.Tick();
        _time.Advance(BackfillProgress.Interval);
        _progress.Tick();

        Assert.That(_logger.Entries.Select(e => e.EventId.Id), Is.EqualTo(new[] { 503, 504 }));
        Assert.That(_logger.Entries[1].Message, Is.EqualTo("Backfill done: 10 bytes remaining"));
    }

    [Test]
    public async Task RunAsync_EveryInterval_TicksUntilCancelled()
    {
        _counters.FileLag["/a"] = 5000;
        using var stop = new CancellationTokenSource();
        var running = _progress.RunAsync(stop.Token);

        // The timer may not be armed yet when time first moves: keep moving it until a line appears.
        await Support.Eventually.WaitAsync(() =>
        {
            _time.Advance(BackfillProgress.Interval);
            return _logger.Entries.Count >= 2;
        }, "two progress lines");
        await stop.CancelAsync();

        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(running.IsCompletedSuccessfully, Is.True);
    }
}
