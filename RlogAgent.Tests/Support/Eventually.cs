namespace RlogAgent.Tests.Support;

/// <summary>Waits for a condition with a deadline, polling; never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(25);

    public static async Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(PollEvery).ConfigureAwait(false);
        }
    }

    /// <summary>The same, for a condition that has to ask something (an HTTP call, a query).</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(PollEvery).ConfigureAwait(false);
        }
    }
}
