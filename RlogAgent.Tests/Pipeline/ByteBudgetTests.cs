using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Pipeline;

[TestFixture]
public sealed class ByteBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Test]
    public void TryAcquire_OverCapacity_IsRefused()
    {
        var budget = new ByteBudget(100);

        Assert.Multiple(() =>
        {
            Assert.That(budget.TryAcquire(60), Is.True);
            Assert.That(budget.TryAcquire(60), Is.False);
            Assert.That(budget.Used, Is.EqualTo(60));
        });
    }

    [Test]
    public void TryAcquire_ItemLargerThanBudgetWhenEmpty_IsAdmitted()
    {
        var budget = new ByteBudget(100);

        Assert.That(budget.TryAcquire(500), Is.True);
    }

    [Test]
    public async Task AcquireAsync_WhenFull_WaitsUntilRelease()
    {
        var budget = new ByteBudget(100);
        budget.TryAcquire(80);

        var waiting = budget.AcquireAsync(50, CancellationToken.None).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);
        budget.Release(80);
        await waiting.WaitAsync(Timeout);

        Assert.That(budget.Used, Is.EqualTo(50));
    }

    [Test]
    public void AcquireAsync_Cancelled_Throws()
    {
        var budget = new ByteBudget(100);
        budget.TryAcquire(100);
        using var cts = new CancellationTokenSource();

        var waiting = budget.AcquireAsync(10, cts.Token).AsTask();
        cts.Cancel();

        Assert.ThrowsAsync<OperationCanceledException>(async () => await waiting.WaitAsync(Timeout));
    }
}
