using System.Text.Json;
using RlogAgent.Tests.Server.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Cli;

/// <summary>
/// The hostname an agent registered with, in the command line's reading commands: a
/// <c>query --host</c> filter, in <c>query</c>'s and <c>tail</c>'s text and JSON, and per host
/// in <c>stats</c> (text and <c>--json</c>).
/// </summary>
[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class HostCommandsTests : EngineFixture
{
    public HostCommandsTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [Test]
    public async Task Query_Host_OnlyThatHostsLines_WithTheHostInTextAndJson()
    {
        await using (var server = await StartServerAsync())
        {
            await ConsoleSeed.StoreAsync(server);
        }

        var (exitCode, text, error) = await ServerCli.InvokeAsync("query", "--db", Database, "--host", "db-1", "--since", "2h");
        var (_, json, _) = await ServerCli.InvokeAsync("query", "--db", Database, "--host", "db-1", "--since", "2h", "--json");
        var (_, none, _) = await ServerCli.InvokeAsync("query", "--db", Database, "--host", "nosuch", "--since", "2h");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var objects = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(lines, Has.Length.EqualTo(5));
            Assert.That(lines, Is.All.Match(@"^\S+Z db-1 \[db\] db \d select$"));
            Assert.That(objects.Select(o => o.GetProperty("host").GetString()), Is.All.EqualTo("db-1"));
            Assert.That(none, Is.Empty);
        });
    }

    [Test]
    public async Task Tail_TextAndJson_CarryTheHost()
    {
        await using (var server = await StartServerAsync())
        {
            await ConsoleSeed.StoreAsync(server);
        }

        var (exitCode, text, error) = await ServerCli.InvokeAsync("tail", "--db", Database, "-n", "2");
        var (jsonExit, json, _) = await ServerCli.InvokeAsync("tail", "--db", Database, "-n", "2", "--json");
        var objects = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(jsonExit, Is.Zero);
            Assert.That(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Is.All.Contain(" web-1 [web] "));
            Assert.That(objects.Select(o => o.GetProperty("line").GetString()), Is.EqualTo(new[] { "web 8 GET /home", "web 9 POST /cart" }));
            Assert.That(objects.Select(o => o.GetProperty("host").GetString()), Is.All.EqualTo("web-1"));
        });
    }

    [Test]
    public async Task Stats_LinesPerHost_InTextAndJson()
    {
        await using (var server = await StartServerAsync())
        {
            await ConsoleSeed.StoreAsync(server);
        }

        var (exitCode, text, error) = await ServerCli.InvokeAsync("stats", "--db", Database);
        var (jsonExit, json, _) = await ServerCli.InvokeAsync("stats", "--db", Database, "--json");
        var stats = JsonDocument.Parse(json).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(text, Does.Contain("lines per host:"));
            Assert.That(text, Does.Match(@"web-1\s+10\b"));
            Assert.That(text, Does.Match(@"db-1\s+5\b"));
            Assert.That(jsonExit, Is.Zero);
            Assert.That(stats.GetProperty("engine").GetString(), Is.EqualTo(Engine.ToString().ToLowerInvariant()));
            Assert.That(stats.GetProperty("agents").GetInt32(), Is.EqualTo(2));
            Assert.That(stats.GetProperty("lines").GetInt64(), Is.EqualTo(15));
            Assert.That(stats.GetProperty("heartbeats").GetInt64(), Is.EqualTo(3));
            Assert.That(
                stats.GetProperty("hosts").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("lines").GetInt64())),
                Is.EqualTo(new[] { ("web-1", 10L), ("db-1", 5L) }));
            Assert.That(
                stats.GetProperty("labels").EnumerateArray().Select(h => (h.GetProperty("name").GetString(), h.GetProperty("lines").GetInt64())),
                Is.EqualTo(new[] { ("web", 10L), ("db", 5L) }));
        });
    }
}
