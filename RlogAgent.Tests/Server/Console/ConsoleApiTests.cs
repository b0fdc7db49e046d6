using RlogServer.Common;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Console;

/// <summary>
/// The console's JSON API (console-api.md) against a real server on each engine: filters,
/// paging, histogram, context, facets, errors. Two agents: web-1 ships 10 "web" lines with
/// attributes and levels, db-1 ships 5 "db" lines without; their event times interleave, 5 s apart.
/// </summary>
[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class ConsoleApiTests : EngineFixture
{
    private TestServer _server = null!;
    private ConsoleClient _console = null!;
    private ConsoleSeed _seed = null!;

    public ConsoleApiTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [SetUp]
    public async Task StartAsync()
    {
        _server = await StartServerAsync(ConsoleSeed.EnableConsole);
        _console = new ConsoleClient(_server);
        _seed = await ConsoleSeed.StoreAsync(_server);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _console.Dispose();
        await _server.DisposeAsync();
    }

    [TestCase("", 15)]
    [TestCase("label=web", 10)]
    [TestCase("label=web&label=db", 15)]
    [TestCase("host=db-1", 5)]
    [TestCase("host=web-1&host=db-1", 15)]
    [TestCase("source=%2Fvar%2Flog%2Fdb.log", 5)]
    [TestCase("contains=ERROR", 1)]
    [TestCase("contains=error", 0)]
    [TestCase("contains=POST&contains=ERROR", 5)]
    [TestCase("icontains=disk%20FULL", 1)]
    [TestCase("exclude=GET", 10)]
    [TestCase("exclude=GET&exclude=POST", 6)]
    [TestCase("regex=%5Edb%20%5B0-2%5D%20", 3)]
    [TestCase("attr.k8s.namespace.name=shop", 5)]
    [TestCase("attr.k8s.namespace.name=shop&attr.k8s.namespace.name=blog", 10)]
    [TestCase("level=warn", 2)]
    [TestCase("level=error", 1)]
    [TestCase("level=trace", 10)]
    [TestCase("label=web&level=info&exclude=POST", 6)]
    [TestCase("label=nosuch", 0)]
    [TestCase("host=nosuch", 0)]
    public async Task Lines_Filter_MatchesExactlyTheLinesItNames(string filter, int expected)
    {
        var page = await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&{filter}&limit=1000");
        var lines = page.GetProperty("lines").EnumerateArray().ToList();
        var histogram = await _console.GetJsonAsync($"/api/v1/histogram?{_seed.Range}&{filter}&buckets=7");

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(expected));
            Assert.That(histogram.GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64()), Is.EqualTo(expected), "histogram adds up to the lines");
            Assert.That(page.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
    }

    [Test]
    public async Task Lines_Agent_FiltersByUuid()
    {
        var page = await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&agent={_seed.DbAgent.ToUpperInvariant()}");

        Assert.That(page.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("agent_uuid").GetString()).Distinct(), Is.EqualTo(new[] { _seed.DbAgent }));
    }

    [Test]
    public async Task Lines_NewestFirst_WithEveryFieldOfTheContract()
    {
        var page = await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&limit=7");
        var lines = page.GetProperty("lines").EnumerateArray().ToList();
        var error = (await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&contains=ERROR")).GetProperty("lines")[0];

        Assert.Multiple(() =>
        {
            // web lines at 0, 10, ... 90 s; db lines at 5, 15, ... 45 s.
            Assert.That(
                lines.Select(l => l.GetProperty("line").GetString()),
                Is.EqualTo(new[] { "web 9 POST /cart", "web 8 GET /home", "web 7 POST /cart", "web 6 GET /home", "web 5 POST /cart", "db 4 select", "web 4 GET /home" }));
            var first = lines[5];
            Assert.That(first.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(first.GetProperty("time").GetString(), Is.EqualTo(TimeText.Rfc3339(_seed.Start.AddSeconds(45))));
            Assert.That(first.GetProperty("received").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"));
            Assert.That(first.GetProperty("agent_uuid").GetString(), Is.EqualTo(_seed.DbAgent));
            Assert.That(first.GetProperty("host").GetString(), Is.EqualTo("db-1"));
            Assert.That(first.GetProperty("label").GetString(), Is.EqualTo("db"));
            Assert.That(first.GetProperty("source").GetString(), Is.EqualTo("/var/log/db.log"));
            Assert.That(first.GetProperty("file_id").GetString(), Is.EqualTo("file-db"));
            Assert.That(first.GetProperty("offset").GetUInt64(), Is.EqualTo(4 * 100UL));
            Assert.That(first.GetProperty("level").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(first.GetProperty("attributes").EnumerateObject(), Is.Empty);
            Assert.That(error.GetProperty("level").GetString(), Is.EqualTo("ERROR"));
            Assert.That(error.GetProperty("attributes").GetProperty("k8s.namespace.name").GetString(), Is.EqualTo("shop"));
            Assert.That(error.GetProperty("host").GetString(), Is.EqualTo("web-1"));
        });
    }

    [Test]
    public async Task Lines_DefaultRange_IsTheLastHour()
    {
        // The seed's lines are 30 minutes old: inside the default hour. Ask for the 10 minutes before now instead.
        var lastHour = await _console.GetJsonAsync("/api/v1/lines");
        var lastTenMinutes = await _console.GetJsonAsync("/api/v1/lines?from=10m");

        Assert.Multiple(() =>
        {
            Assert.That(lastHour.GetProperty("lines").GetArrayLength(), Is.EqualTo(15));
            Assert.That(lastTenMinutes.GetProperty("lines").GetArrayLength(), Is.Zero);
        });
    }

    [Test]
    public async Task Lines_Paging_WhileLinesKeepArriving_NoLineMissedOrRepeated()
    {
        // 300 more lines inside the range, then page through 40 at a time while a writer keeps
        // storing matching lines newer than every page.
        await _seed.StoreBulkAsync(_server, "bulk", 300, _seed.Start.AddMinutes(2), TimeSpan.FromMilliseconds(100));
        var expected = (await _server.Store.Console.SearchAsync(
            RlogServer.Storage.Console.LineFilter.All, _seed.TimeRange, null, 10_000)).Select(l => l.Id.ToString(CultureInfo.InvariantCulture)).ToList();

        // The first page, then a writer keeps storing lines while the rest are read.
        var seen = new List<string>();
        var first = await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&label=web&label=db&label=bulk&limit=40");
        seen.AddRange(first.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetString()!));
        var cursor = first.GetProperty("next").GetString();
        var pages = 1;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var round = 0;
            while (!stop.IsCancellationRequested)
            {
                await _seed.StoreBulkAsync(_server, $"late-{round}", 5, _seed.Start.AddMinutes(20), TimeSpan.FromMilliseconds(1));
                round++;
            }
        });

        while (cursor is not null && pages < 100)
        {
            var page = await _console.GetJsonAsync($"/api/v1/lines?label=web&label=db&label=bulk&limit=40&cursor={cursor}");
            seen.AddRange(page.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
            pages++;
        }

        await stop.CancelAsync();
        await writer;

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.Unique, "no line twice");
            Assert.That(seen, Is.EquivalentTo(expected), "every line of the first page's range and filters, once");
            Assert.That(pages, Is.EqualTo(8), "315 lines in pages of 40");
        });
    }

    [Test]
    public async Task Lines_RareMatchesSpreadOverTheDay_NewestFirstPagesExactAcrossTheSearchWindows()
    {
        // Without one label, PostgreSQL reads newest-first windows (the last second, minute, hour,
        // then each twice the one before): matches in many of them, and one outside the range.
        var now = DateTimeOffset.UtcNow;
        TimeSpan[] ages =
        [
            TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(90),
            TimeSpan.FromHours(3), TimeSpan.FromHours(7), TimeSpan.FromHours(20), TimeSpan.FromHours(30),
        ];
        for (var i = 0; i < ages.Length; i++)
        {
            await _seed.StoreLineAsync(_server, "spread", "spread-file", (ulong)i * 100, $"needle {i}", now - ages[i]);
            await _seed.StoreLineAsync(_server, "spread", "spread-other", (ulong)i * 100, $"hay {i}", now - ages[i]);
        }

        var first = await _console.GetJsonAsync("/api/v1/lines?from=24h&contains=needle&limit=5");
        var second = await _console.GetJsonAsync($"/api/v1/lines?contains=needle&limit=5&cursor={first.GetProperty("next").GetString()}");
        var whole = await _console.GetJsonAsync("/api/v1/lines?from=24h&contains=needle&limit=100");

        static IEnumerable<string> Texts(JsonElement page) => page.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("line").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(Texts(first), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"needle {i}")), "the newest five, newest first");
            Assert.That(Texts(second), Is.EqualTo(new[] { "needle 5", "needle 6" }), "the rest of the day, not the line 30 hours old");
            Assert.That(second.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(Texts(whole), Is.EqualTo(Enumerable.Range(0, 7).Select(i => $"needle {i}")));
        });
    }

    [Test]
    public async Task Histogram_BucketsCoverTheRangeOldestFirst()
    {
        // 60 s in 6 buckets of 10 s: web lines at 0, 10, ... 90 s; db lines at 5, 15, ... 45 s.
        var from = TimeText.Rfc3339(_seed.Start);
        var to = TimeText.Rfc3339(_seed.Start.AddSeconds(60));
        var histogram = await _console.GetJsonAsync($"/api/v1/histogram?from={from}&to={to}&buckets=6");

        Assert.Multiple(() =>
        {
            Assert.That(histogram.GetProperty("from").GetString(), Is.EqualTo(from));
            Assert.That(histogram.GetProperty("to").GetString(), Is.EqualTo(to));
            Assert.That(histogram.GetProperty("step_seconds").GetDouble(), Is.EqualTo(10));
            Assert.That(histogram.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()), Is.EqualTo(new long[] { 2, 2, 2, 2, 2, 1 }));
        });
    }

    [TestCase(7)]
    [TestCase(60)]
    public async Task Histogram_OverHours_AddsUpBucketByBucketToTheLines_WithResentAndPartlyNewBatches(int buckets)
    {
        // Six hours of lines 37 s apart, odd times included, with levels; on PostgreSQL whole
        // minutes come from line_counts: re-sent batches (all duplicates) and a batch half new
        // must count only what was stored, and every bucket must hold exactly its lines.
        var start = _seed.Start.AddHours(-7).AddMilliseconds(123);
        using var client = new ServerClient(_server.Address);
        var batches = new List<Rlog.V1.LogBatch>();
        for (var b = 0; b < 6; b++)
        {
            var batch = new Rlog.V1.LogBatch { BatchId = Guid.NewGuid().ToString() };
            for (var i = 0; i < 100; i++)
            {
                var n = (b * 100) + i;
                batch.Logs.Add(new Rlog.V1.Log
                {
                    Label = n % 3 == 0 ? "hist-a" : "hist-b",
                    Line = $"hist {n}",
                    Timestamp = Timestamp.FromDateTimeOffset(start.AddSeconds(37 * n)),
                    Source = "/var/log/hist.log",
                    FileId = "file-hist",
                    Offset = (ulong)n * 10,
                    SeverityNumber = n % 2 == 0 ? 9 : 17,
                });
            }

            batches.Add(batch);
        }

        await client.SendAsync(_seed.WebToken, batches.ToArray());
        await client.SendAsync(_seed.WebToken, batches[0], batches[1]);
        var halfNew = batches[5].Clone();
        halfNew.BatchId = Guid.NewGuid().ToString();
        for (var i = 0; i < 50; i++)
        {
            halfNew.Logs[i].Offset += 5;
            halfNew.Logs[i].Line += " again";
        }

        await client.SendAsync(_seed.WebToken, halfNew);

        var from = TimeText.Rfc3339(start.AddMinutes(-3).AddMilliseconds(456));
        var to = TimeText.Rfc3339(start.AddHours(6.5).AddSeconds(17));
        var results = new List<(string Filter, long[] Counts, long[] Expected)>();
        foreach (var filter in new[] { "", "&label=hist-a", "&level=error", "&host=web-1&label=hist-b&level=info" })
        {
            var histogram = await _console.GetJsonAsync($"/api/v1/histogram?from={from}&to={to}&buckets={buckets}{filter}");
            var lines = await _console.GetJsonAsync($"/api/v1/lines?from={from}&to={to}&limit=1000{filter}");
            var fromMs = DateTimeOffset.Parse(from, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            var spanMs = DateTimeOffset.Parse(to, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() - fromMs;
            var expected = new long[buckets];
            foreach (var line in lines.GetProperty("lines").EnumerateArray())
            {
                var ms = DateTimeOffset.Parse(line.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
                expected[(ms - fromMs) * buckets / spanMs]++;
            }

            results.Add((filter, histogram.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()).ToArray(), expected));
        }

        Assert.Multiple(() =>
        {
            Assert.That(results[0].Expected.Sum(), Is.EqualTo(650), "600 lines and 50 new ones, the rest duplicates");
            foreach (var (filter, counts, expected) in results)
            {
                Assert.That(counts, Is.EqualTo(expected), $"filter '{filter}'");
            }
        });
    }

    [Test]
    public async Task Context_AroundALine_InFileOrderWithTheLineAtIndex()
    {
        var middle = await IdOfAsync("web 5 POST /cart");
        var first = await IdOfAsync("web 0 GET /home");
        var last = await IdOfAsync("web 9 POST /cart");

        var around = await _console.GetJsonAsync($"/api/v1/context?id={middle}&before=2&after=3");
        var atStart = await _console.GetJsonAsync($"/api/v1/context?id={first}&before=5&after=1");
        var atEnd = await _console.GetJsonAsync($"/api/v1/context?id={last}");

        Assert.Multiple(() =>
        {
            Assert.That(Lines(around), Is.EqualTo(new[] { "web 3 ERROR Disk Full", "web 4 GET /home", "web 5 POST /cart", "web 6 GET /home", "web 7 POST /cart", "web 8 GET /home" }));
            Assert.That(around.GetProperty("index").GetInt32(), Is.EqualTo(2));
            Assert.That(Lines(atStart), Is.EqualTo(new[] { "web 0 GET /home", "web 1 POST /cart" }), "fewer at the file's start");
            Assert.That(atStart.GetProperty("index").GetInt32(), Is.Zero);
            Assert.That(Lines(atEnd), Has.Count.EqualTo(10), "20 before by default, none after the file's end");
            Assert.That(atEnd.GetProperty("index").GetInt32(), Is.EqualTo(9));
        });
    }

    [Test]
    public async Task Facets_MostFrequentValuesFirst()
    {
        var hosts = await _console.GetJsonAsync($"/api/v1/facets?{_seed.Range}&field=host");
        var namespaces = await _console.GetJsonAsync($"/api/v1/facets?{_seed.Range}&field=attr.k8s.namespace.name&level=warn");
        var labels = await _console.GetJsonAsync($"/api/v1/labels?{_seed.Range}");

        Assert.Multiple(() =>
        {
            Assert.That(hosts.GetProperty("field").GetString(), Is.EqualTo("host"));
            Assert.That(Values(hosts), Is.EqualTo(new[] { ("web-1", 10L), ("db-1", 5L) }));
            Assert.That(Values(namespaces), Is.EqualTo(new[] { ("shop", 2L) }));
            Assert.That(
                labels.GetProperty("labels").EnumerateArray().Select(l => (l.GetProperty("label").GetString(), l.GetProperty("lines").GetInt64())),
                Is.EqualTo(new[] { ("web", 10L), ("db", 5L) }));
        });
    }

    [Test]
    public async Task Agents_EveryAgentWithItsLastHeartbeat()
    {
        var agents = (await _console.GetJsonAsync("/api/v1/agents")).GetProperty("agents").EnumerateArray().ToList();
        var web = agents.Single(a => a.GetProperty("host").GetString() == "web-1");
        var db = agents.Single(a => a.GetProperty("host").GetString() == "db-1");
        var points = (await _console.GetJsonAsync($"/api/v1/agents/{_seed.WebAgent}/heartbeats?from=1h")).GetProperty("points").EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(agents, Has.Count.EqualTo(2));
            Assert.That(web.GetProperty("status").GetString(), Is.EqualTo("up"));
            Assert.That(web.GetProperty("os").GetString(), Is.EqualTo("linux"));
            Assert.That(web.GetProperty("version").GetString(), Is.EqualTo("9.9.9"), "the last heartbeat's version");
            Assert.That(web.GetProperty("cpu").GetDouble(), Is.EqualTo(30));
            Assert.That(web.GetProperty("lines_confirmed").GetInt64(), Is.EqualTo(300));
            Assert.That(web.GetProperty("lines_rejected").GetInt64(), Is.EqualTo(2));
            Assert.That(web.GetProperty("source_restarts").GetInt64(), Is.EqualTo(1));
            Assert.That(web.GetProperty("process_rss_bytes").GetInt64(), Is.EqualTo(3_000_000));
            Assert.That(db.GetProperty("cpu").ValueKind, Is.EqualTo(JsonValueKind.Null), "no heartbeat yet");
            Assert.That(db.GetProperty("version").GetString(), Is.EqualTo("1.0.0"), "the registration's version");
            Assert.That(points.Select(p => p.GetProperty("cpu").GetDouble()), Is.EqualTo(new[] { 10.0, 20.0, 30.0 }), "every heartbeat, oldest first");
            Assert.That(points[0].GetProperty("lines_confirmed").GetInt64(), Is.EqualTo(100));
        });
    }

    [TestCase("/api/v1/lines?limit=0", "limit")]
    [TestCase("/api/v1/lines?limit=1001", "limit")]
    [TestCase("/api/v1/lines?limit=ten", "limit")]
    [TestCase("/api/v1/lines?from=yesterday", "from")]
    [TestCase("/api/v1/lines?to=soon", "to")]
    [TestCase("/api/v1/lines?from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z", "from")]
    [TestCase("/api/v1/lines?cursor=bm90LWEtY3Vyc29y", "cursor")]
    [TestCase("/api/v1/lines?level=loud", "level")]
    [TestCase("/api/v1/lines?agent=not-a-uuid", "agent")]
    [TestCase("/api/v1/lines?regex=%28unclosed", "regex")]
    [TestCase("/api/v1/lines?contains=", "contains")]
    [TestCase("/api/v1/histogram?buckets=0", "buckets")]
    [TestCase("/api/v1/histogram?buckets=1001", "buckets")]
    [TestCase("/api/v1/context", "id")]
    [TestCase("/api/v1/context?id=abc", "id")]
    [TestCase("/api/v1/context?id=1&before=-1", "before")]
    [TestCase("/api/v1/facets", "field")]
    [TestCase("/api/v1/facets?field=colour", "field")]
    [TestCase("/api/v1/agents/not-a-uuid/heartbeats", "uuid")]
    public async Task BadParameter_Is400NamingIt(string path, string parameter)
    {
        var (status, error) = await _console.GetErrorAsync(path);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(error, Does.StartWith(parameter + ":"));
        });
    }

    [TestCase("/api/v1/context?id=999999999999")]
    [TestCase("/api/v1/agents/00000000-0000-0000-0000-000000000001/heartbeats")]
    [TestCase("/api/v1/nosuch")]
    public async Task UnknownId_Is404(string path)
    {
        var (status, error) = await _console.GetErrorAsync(path);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(error, Is.Not.Empty);
        });
    }

    private async Task<string> IdOfAsync(string line)
    {
        var page = await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&limit=1000");
        return page.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("line").GetString() == line).GetProperty("id").GetString()!;
    }

    private static List<string> Lines(JsonElement answer) =>
        answer.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("line").GetString()!).ToList();

    private static List<(string?, long)> Values(JsonElement facet) =>
        facet.GetProperty("values").EnumerateArray().Select(v => (v.GetProperty("value").GetString(), v.GetProperty("lines").GetInt64())).ToList();
}
