using System.Net;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Console;

/// <summary>A console query past the statement timeout (PostgreSQL) answers 503, saying so.</summary>
[TestFixture(StorageEngineKind.Postgres)]
public sealed class ConsoleTimeoutTests : EngineFixture
{
    public ConsoleTimeoutTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [Test]
    public async Task Query_PastTheStatementTimeout_Is503SayingSo()
    {
        await using var server = await StartServerAsync(options =>
        {
            ConsoleSeed.EnableConsole(options);
            options.Console.QueryTimeout = TimeSpan.FromMilliseconds(1);
        });
        var seed = await ConsoleSeed.StoreAsync(server);
        await seed.StoreBulkAsync(server, "many", 20_000, seed.Start, TimeSpan.FromMilliseconds(10));
        using var console = new ConsoleClient(server);

        var (status, error) = await console.GetErrorAsync($"/api/v1/lines?{seed.Range}&regex=%28a%7Cb%29%2Bc%24&limit=1000");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(error, Does.Contain("statement timeout"));
        });
    }
}
