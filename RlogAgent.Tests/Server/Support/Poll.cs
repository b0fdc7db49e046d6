namespace RlogAgent.Tests.Server.Support;

/// <summary>Polls a condition until it holds or a deadline passes; never sleeps a fixed time as synchronisation.</summary>
internal static class Poll
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {timeout}: {because}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
