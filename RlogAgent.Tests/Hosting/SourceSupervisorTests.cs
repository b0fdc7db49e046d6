using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection;
using RlogAgent.Common;
using RlogAgent.Hosting;

namespace RlogAgent.Tests.Hosting;

[TestFixture]
public sealed class SourceSupervisorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Test]
    public async Task RunAsync_ReaderFailsTwice_StartedAgainEachTimeAndRunsUntilStopped()
    {
        var counters = new AgentCounters();
        var readers = new List<ScriptedReader>();
        using var stop = new CancellationTokenSource();
        var supervisor = new SourceSupervisor("app", () =>
        {
            var reader = new ScriptedReader(fail: readers.Count < 2);
            readers.Add(reader);
            return reader;
        }, counters, NullLogger.Instance, TimeProvider.System, FastBackoff());

        var run = supervisor.RunAsync(stop.Token);
        await Support.Eventually.WaitAsync(() => readers.Count == 3 && readers[2].Running, "the third reader runs");
        await stop.CancelAsync();
        await run.WaitAsync(Timeout);

        Assert.That(counters.SourceRestarts, Is.EqualTo(2));
        Assert.That(readers.Select(r => r.Disposed), Has.All.True, "each reader cleaned up");
    }

    [Test]
    public void RunAsync_ReaderFailsEveryTime_GivesUpSoTheAgentEnds()
    {
        var counters = new AgentCounters();
        var supervisor = new SourceSupervisor("app", () => new ScriptedReader(fail: true), counters, NullLogger.Instance, TimeProvider.System, FastBackoff());

        var e = Assert.ThrowsAsync<SourceFailedException>(() => supervisor.RunAsync(CancellationToken.None).WaitAsync(Timeout));

        Assert.That(e!.Label, Is.EqualTo("app"));
        Assert.That(counters.SourceRestarts, Is.EqualTo(SourceSupervisor.MaxFailuresInARow - 1));
    }

    private static ExponentialBackoff FastBackoff() => new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));

    private sealed class ScriptedReader(bool fail) : ISourceReader
    {
        public bool Running { get; private set; }

        public bool Disposed { get; private set; }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (fail)
            {
                throw new InvalidOperationException("injected reader failure");
            }

            Running = true;
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
        }

        public void Dispose() => Disposed = true;
    }
}
