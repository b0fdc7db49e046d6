using RlogAgent.Collection;
using RlogAgent.Common;
using RlogAgent.Hosting;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>A source whose reader fails is restarted or ends the agent; a hung reader cannot hold the drain.</summary>
[TestFixture]
public sealed class SupervisionTests : EndToEndTest
{
    [Test]
    public async Task Source_ReaderLoopFailsOnce_StartedAgainFromCheckpointsAndEveryLineStoredOnce()
    {
        var log = Temp.Combine("app.log");
        var failNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var created = 0;
        await using var agent = StartAgent(Source(log), createRunner: (o, l) => new AgentRunner(o, l)
        {
            WrapReader = (_, create) => Interlocked.Increment(ref created) == 1 ? new FailOnSignal(create(), failNow.Task) : create(),
            SourceRestartBackoff = () => new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100)),
        });

        Append(log, 0, 100);
        await WaitForLinesAsync(100);
        failNow.SetResult();
        await Eventually.WaitAsync(() => agent.Runner.Counters.SourceRestarts == 1, "the source restarted");
        Append(log, 100, 100);
        await WaitForLinesAsync(200);

        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
        AssertExactly(200);
    }

    [Test]
    public async Task Source_ReaderFailsEveryTime_AgentGivesUpWithFatalExitCode()
    {
        await using var agent = StartAgent(Source(Temp.Combine("app.log")), createRunner: (o, l) => new AgentRunner(o, l)
        {
            WrapReader = (_, _) => new FailOnSignal(null, Task.CompletedTask),
            SourceRestartBackoff = () => new ExponentialBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)),
        });

        var code = await agent.Run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(code, Is.EqualTo(ExitCodes.Fatal));
        Assert.That(agent.Runner.Counters.SourceRestarts, Is.EqualTo(SourceSupervisor.MaxFailuresInARow - 1));
    }

    [Test]
    public async Task Stop_ReaderHungInARead_DrainStillEndsCleanlyWithinShutdownTimeout()
    {
        var log = Temp.Combine("app.log");
        await using var agent = StartAgent($"{Source(log)}\n{Source(Temp.Combine("nfs.log"), "nfs")}", "shutdown_timeout: 2", createRunner: (o, l) => new AgentRunner(o, l)
        {
            // The second source hangs as a read on a stalled network file system does: it ignores cancellation.
            WrapReader = (s, create) => s.Label == "nfs" ? new HungReader() : create(),
        });
        Append(log, 0, 10);
        await WaitForLinesAsync(10);

        var stopping = agent.StopAsync();

        Assert.That(await stopping.WaitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(ExitCodes.Ok));
        AssertExactly(10);
    }

    /// <summary>Runs the real reader until told to fail, then fails as a bug in the loop would.</summary>
    private sealed class FailOnSignal(ISourceReader? inner, Task failWhen) : ISourceReader
    {
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var innerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = inner?.RunAsync(innerStop.Token) ?? Task.CompletedTask;
            await Task.WhenAny(running, failWhen).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            await innerStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped so the failure below is the one the supervisor sees.
            }

            throw new InvalidOperationException("injected: the reader loop failed");
        }

        public void Dispose() => inner?.Dispose();
    }

    private sealed class HungReader : ISourceReader
    {
        private readonly TaskCompletionSource _never = new();

        public Task RunAsync(CancellationToken cancellationToken) => _never.Task;

        public void Dispose()
        {
        }
    }
}
