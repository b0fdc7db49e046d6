using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Tests.Server.Support;
using RlogServer.Cli;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Cli;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class QueryCommandTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private readonly StorageEngineKind _engine;
    private TestDatabase _database = null!;

    public QueryCommandTests(StorageEngineKind engine)
    {
        _engine = engine;
    }

    [SetUp]
    public async Task CreateDatabase() => _database = await TestDatabase.CreateAsync(_engine);

    [TearDown]
    public async Task DeleteDatabase() => await _database.DisposeAsync();

    [Test]
    public async Task Query_JsonWithLabelAndSince_OneObjectPerMatchingLineNewestLast()
    {
        var now = DateTimeOffset.UtcNow;
        using (var store = _database.Open())
        {
            await StoreAsync(store, "app", "file-1", now.AddHours(-2), "too old");
            await StoreAsync(store, "app", "file-1", now.AddMinutes(-5), "recent one", ("k8s.pod.name", "web-1"));
            await StoreAsync(store, "app", "file-1", now.AddMinutes(-1), "recent two");
            await StoreAsync(store, "db", "file-2", now.AddMinutes(-1), "other label");
        }

        var (exitCode, output, error) = await ServerCli.InvokeAsync("query", "--db", _database.Dsn, "--label", "app", "--since", "10m", "--json");

        var objects = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(objects.Select(o => o.GetProperty("line").GetString()), Is.EqualTo(new[] { "recent one", "recent two" }));
            var first = objects[0];
            Assert.That(first.GetProperty("agent_uuid").GetString(), Is.EqualTo(AgentUuid));
            Assert.That(first.GetProperty("label").GetString(), Is.EqualTo("app"));
            Assert.That(first.GetProperty("source").GetString(), Is.EqualTo("/var/log/app.log"));
            Assert.That(first.GetProperty("file_id").GetString(), Is.EqualTo("file-1"));
            Assert.That(first.GetProperty("offset").ValueKind, Is.EqualTo(JsonValueKind.Number));
            Assert.That(
                DateTimeOffset.Parse(first.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                Is.EqualTo(now.AddMinutes(-5)).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(first.GetProperty("attributes").GetProperty("k8s.pod.name").GetString(), Is.EqualTo("web-1"));
        });
    }

    [Test]
    public async Task Query_ContainsAndCount_TextLinesWithTimeAndLabel()
    {
        var at = new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero);
        using (var store = _database.Open())
        {
            for (var i = 0; i < 5; i++)
            {
                await StoreAsync(store, "app", "file-1", at.AddSeconds(i), $"GET /item/{i} 200");
            }

            await StoreAsync(store, "app", "file-1", at.AddSeconds(9), "POST /item 500");
        }

        var (exitCode, output, _) = await ServerCli.InvokeAsync(
            "query", "--db", _database.Dsn, "--contains", "GET", "-n", "2", "--until", "2026-11-28T07:00:04Z");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(
                output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Is.EqualTo(new[] { "2026-11-28T07:00:02.000Z [app] GET /item/2 200", "2026-11-28T07:00:03.000Z [app] GET /item/3 200" }));
        });
    }

    [Test]
    public async Task RunAsync_Follow_PrintsLinesStoredAfterItStartedOnce()
    {
        using var store = _database.Open();
        await StoreAsync(store, "app", "file-1", DateTimeOffset.UtcNow, "before");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var following = QueryCommand.RunAsync(store.Lines, new LineQuery { Label = "app" }, follow: true, json: false, TextWriter.Synchronized(output), clock, stop.Token);
        await Poll.UntilAsync(() => output.ToString().Contains("before", StringComparison.Ordinal), Timeout, "the first page is printed");

        await StoreAsync(store, "app", "file-1", DateTimeOffset.UtcNow, "after one");
        await StoreAsync(store, "db", "file-2", DateTimeOffset.UtcNow, "another label");
        clock.Advance(QueryCommand.FollowPollInterval);
        await Poll.UntilAsync(() => output.ToString().Contains("after one", StringComparison.Ordinal), Timeout, "a new line is printed");
        await StoreAsync(store, "app", "file-1", DateTimeOffset.UtcNow, "after two");
        clock.Advance(QueryCommand.FollowPollInterval);
        await Poll.UntilAsync(() => output.ToString().Contains("after two", StringComparison.Ordinal), Timeout, "the next new line is printed");
        await stop.CancelAsync();
        Assert.That(async () => await following.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());

        var printed = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()[(l.Trim().IndexOf(']') + 2)..]);
        Assert.That(printed, Is.EqualTo(new[] { "before", "after one", "after two" }));
    }

    [Test]
    public async Task Query_SinceNeitherDurationNorTime_ExitsWithUsageError()
    {
        using (_database.Open())
        {
        }

        var (exitCode, _, error) = await ServerCli.InvokeAsync("query", "--db", _database.Dsn, "--since", "yesterday");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ServerCommandLine.UsageErrorExitCode));
            Assert.That(error, Does.Contain("--since"));
        });
    }

    [Test]
    public async Task Stats_Database_NamesEngineAndCounts()
    {
        using (var store = _database.Open())
        {
            await StoreAsync(store, "app", "file-1", DateTimeOffset.UtcNow, "one");
        }

        var (exitCode, output, _) = await ServerCli.InvokeAsync("stats", "--db", _database.Dsn);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(output, Does.Contain(_engine.ToString()));
            Assert.That(output, Does.Match(@"lines\s+1\b"));
        });
    }

    private static int _offset;

    [Test]
    public async Task Query_LevelWarn_WarnAndAboveOnlyWithTheirLevelInTextAndJson()
    {
        var at = new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero);
        using (var store = _database.Open())
        {
            await StoreLevelAsync(store, at, "no level", 0, "");
            await StoreLevelAsync(store, at.AddSeconds(1), "just info", 9, "info");
            await StoreLevelAsync(store, at.AddSeconds(2), "disk nearly full", 13, "warning");
            await StoreLevelAsync(store, at.AddSeconds(3), "disk full", 17, "E");
        }

        var (exitCode, output, error) = await ServerCli.InvokeAsync("query", "--db", _database.Dsn, "--level", "warn");
        var (jsonExit, json, _) = await ServerCli.InvokeAsync("query", "--db", _database.Dsn, "--level", "WARNING", "--json");
        var (badExit, _, badError) = await ServerCli.InvokeAsync("query", "--db", _database.Dsn, "--level", "loud");

        var objects = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), Is.EqualTo(new[]
            {
                "2026-11-28T07:00:02.000Z [app] WARN disk nearly full",
                "2026-11-28T07:00:03.000Z [app] ERROR disk full",
            }));
            Assert.That(jsonExit, Is.Zero);
            Assert.That(objects.Select(o => o.GetProperty("level").GetString()), Is.EqualTo(new[] { "warning", "E" }));
            Assert.That(objects.Select(o => o.GetProperty("severity_number").GetInt32()), Is.EqualTo(new[] { 13, 17 }));
            Assert.That(badExit, Is.EqualTo(ServerCommandLine.UsageErrorExitCode));
            Assert.That(badError, Does.Contain("--level 'loud'"));
        });
    }

    private static async Task StoreLevelAsync(LogStore store, DateTimeOffset at, string text, int severity, string severityText)
    {
        var batch = LogBatches.Lines("file-l", 1, firstOffset: (ulong)Interlocked.Add(ref _offset, 100), label: "app");
        batch.Logs[0].Line = text;
        batch.Logs[0].Timestamp = Timestamp.FromDateTimeOffset(at);
        batch.Logs[0].SeverityNumber = severity;
        batch.Logs[0].SeverityText = severityText;
        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
    }

    private static async Task StoreAsync(LogStore store, string label, string fileId, DateTimeOffset at, string text, params (string Key, string Value)[] attributes)
    {
        var batch = LogBatches.Lines(fileId, 1, firstOffset: (ulong)Interlocked.Add(ref _offset, 100), label: label);
        batch.Logs[0].Line = text;
        batch.Logs[0].Timestamp = Timestamp.FromDateTimeOffset(at);
        foreach (var (key, value) in attributes)
        {
            batch.Logs[0].Attributes.Add(key, value);
        }

        await store.StoreBatchAsync(AgentUuid, batch, DateTimeOffset.UtcNow).WaitAsync(Timeout);
    }
}
