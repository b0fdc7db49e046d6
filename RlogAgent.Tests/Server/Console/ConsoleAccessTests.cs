using RlogServer.Common;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Console;

/// <summary>
/// Who may read the console: viewer keys and sessions (on every replica of one database),
/// sign-in limits, origin and host checks, headers, and the fleet status clock.
/// </summary>
[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class ConsoleAccessTests : EngineFixture
{
    public ConsoleAccessTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    [Test]
    public async Task Api_WithoutAWorkingViewerKey_Is401()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        var seed = await ConsoleSeed.StoreAsync(server);
        using var anonymous = new ConsoleClient(server, bearer: null);
        using var wrongKey = new ConsoleClient(server, bearer: "not-the-key");
        using var projectKey = new ConsoleClient(server, bearer: TestServer.ProjectKey);
        using var agentToken = new ConsoleClient(server, bearer: seed.WebToken);

        var cases = new List<(string, HttpStatusCode, string)>();
        foreach (var (name, client, path) in new[]
        {
            ("no key", anonymous, "/api/v1/lines"),
            ("no key, agents", anonymous, "/api/v1/agents"),
            ("no key, tail", anonymous, "/api/v1/tail"),
            ("key in the query string", anonymous, $"/api/v1/lines?key={ConsoleClient.ViewerKey}&access_token={ConsoleClient.ViewerKey}"),
            ("wrong key", wrongKey, "/api/v1/lines"),
            ("project key", projectKey, "/api/v1/lines"),
            ("agent access token", agentToken, "/api/v1/lines"),
        })
        {
            var (status, error) = await client.GetErrorAsync(path);
            cases.Add((name, status, error));
        }

        Assert.Multiple(() =>
        {
            foreach (var (name, status, error) in cases)
            {
                Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), name);
                Assert.That(error, Is.Not.Empty, name);
            }
        });
    }

    [Test]
    public async Task SignIn_SetsAnOpaqueStrictHttpOnlyCookie_ThatReadsTheApi()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);

        using var wrong = await browser.SignInAsync("not-the-key");
        using var right = await browser.SignInAsync(ConsoleClient.ViewerKey);
        var setCookie = right.Headers.GetValues("Set-Cookie").Single();
        var agents = await browser.GetErrorAsync("/api/v1/agents");

        Assert.Multiple(() =>
        {
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(setCookie, Does.StartWith("rlog_session="));
            Assert.That(setCookie, Does.Not.Contain(ConsoleClient.ViewerKey), "the cookie never holds the key");
            Assert.That(setCookie.ToLowerInvariant(), Does.Contain("path=/").And.Contain("httponly").And.Contain("samesite=strict"));
            Assert.That(setCookie.ToLowerInvariant(), Does.Not.Contain("secure"), "plain HTTP: no Secure");
            Assert.That(agents.Status, Is.EqualTo(HttpStatusCode.OK), "the cookie is enough");
        });
    }

    [Test]
    public async Task SignIn_AsAFormField_Works()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);

        using var response = await browser.Http.PostAsync(
            "/api/v1/session", new FormUrlEncodedContent([new KeyValuePair<string, string>("key", ConsoleClient.ViewerKey)]));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task SignIn_FromAnotherOrigin_IsRefused()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);

        using var response = await browser.SignInAsync(ConsoleClient.ViewerKey, origin: "https://evil.example");
        var agents = await browser.GetErrorAsync("/api/v1/agents");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(response.Headers.Contains("Set-Cookie"), Is.False);
            Assert.That(agents.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task SignIn_MoreThanTenTriesAMinute_Is429()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            using var response = await browser.SignInAsync("guess-" + i);
            statuses.Add(response.StatusCode);
        }

        using var rightKeyTooLate = await browser.SignInAsync(ConsoleClient.ViewerKey);

        Assert.Multiple(() =>
        {
            Assert.That(statuses.Take(10), Is.All.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(statuses[10], Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(rightKeyTooLate.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "even the right key waits");
        });
    }

    [Test]
    public async Task Session_MadeOnOneReplica_HoldsOnAnotherOfTheSameDatabase_UntilSignedOut()
    {
        await using var first = await StartServerAsync(ConsoleSeed.EnableConsole);
        await using var second = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(first, bearer: null);
        using (var signIn = await browser.SignInAsync(ConsoleClient.ViewerKey))
        {
            Assert.That(signIn.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        var cookie = browser.Cookies.GetCookies(browser.Address)["rlog_session"]!.Value;
        using var onSecond = new ConsoleClient(second, bearer: null);
        onSecond.Http.DefaultRequestHeaders.Add("Cookie", $"rlog_session={cookie}");
        var before = await onSecond.GetErrorAsync("/api/v1/agents");

        using (var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session"))
        {
            using var response = await browser.Http.SendAsync(signOut);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        // The second replica trusts a session it checked for a few seconds at most.
        await Eventually.WaitAsync(
            async () => (await onSecond.GetErrorAsync("/api/v1/agents")).Status == HttpStatusCode.Unauthorized,
            "the signed-out session refused on the other replica",
            TimeSpan.FromSeconds(15));
        var afterOnFirst = await browser.GetErrorAsync("/api/v1/agents");

        Assert.Multiple(() =>
        {
            Assert.That(before.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(afterOnFirst.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task SignOut_ClosesTheSessionsOpenTail()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);
        (await browser.SignInAsync(ConsoleClient.ViewerKey)).Dispose();

        using var tail = await browser.Http.GetAsync("/api/v1/tail", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await tail.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var first = await reader.ReadLineAsync().WaitAsync(ConsoleClient.Timeout);
        using (var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session"))
        {
            (await browser.Http.SendAsync(signOut)).Dispose();
        }

        // The stream ends: reading reaches its end instead of waiting for lines.
        var rest = await reader.ReadToEndAsync().WaitAsync(ConsoleClient.Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(tail.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first, Is.EqualTo(": ok"));
            Assert.That(rest, Does.Not.Contain("data:"));
        });
    }

    [Test]
    public async Task Pages_Unsigned_ShowTheSignInForm_Signed_ThePage()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server, bearer: null);
        var unsigned = new List<string>();
        foreach (var path in new[] { "/", "/fleet", "/agents/00000000-0000-0000-0000-000000000001", "/lines/1" })
        {
            using var response = await browser.Http.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            unsigned.Add(await response.Content.ReadAsStringAsync());
        }

        (await browser.SignInAsync(ConsoleClient.ViewerKey)).Dispose();
        var signed = await browser.Http.GetStringAsync("/fleet");

        Assert.Multiple(() =>
        {
            Assert.That(unsigned, Is.All.Contain("Viewer key").And.All.Contain("Sign in"));
            Assert.That(signed, Does.Contain("/assets/app.js").And.Not.Contain("Viewer key"));
        });
    }

    [Test]
    public async Task Responses_CarryNosniffAndCsp_AndNoCorsHeaders()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        request.Headers.Add("Origin", "https://evil.example");
        using var api = await browser.Http.SendAsync(request);
        using var page = await browser.Http.GetAsync("/");
        using var script = await browser.Http.GetAsync("/assets/app.js");
        using var chart = await browser.Http.GetAsync("/assets/uPlot.iife.min.js");

        Assert.Multiple(() =>
        {
            foreach (var response in new[] { api, page, script })
            {
                Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
                Assert.That(response.Headers.Any(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)), Is.False);
            }

            var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
            Assert.That(csp, Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.Not.Contain("unsafe-inline"));
            Assert.That(chart.StatusCode, Is.EqualTo(HttpStatusCode.OK), "uPlot is served from the server's own files");
            Assert.That(script.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/javascript"));
        });
    }

    [Test]
    public async Task Request_NamingAnotherHost_IsRefused()
    {
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var browser = new ConsoleClient(server);
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        rebound.Headers.Host = "attacker.example";
        using var localhost = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        localhost.Headers.Host = $"localhost:{browser.Address.Port}";

        using var refused = await browser.Http.SendAsync(rebound);
        using var allowed = await browser.Http.SendAsync(localhost);

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task Request_NamingAHostGivenWithConsoleHosts_IsServed()
    {
        await using var server = await StartServerAsync(options =>
        {
            ConsoleSeed.EnableConsole(options);
            options.Console.Hosts = ["logs.example.com"];
        });
        using var browser = new ConsoleClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/agents");
        request.Headers.Host = "logs.example.com";

        using var response = await browser.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AgentStatus_MovesUpLateDown_AsTheClockPassesItsLastWord()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(
            options =>
            {
                ConsoleSeed.EnableConsole(options);
                options.Console.AgentLate = TimeSpan.FromSeconds(45);
                options.Console.AgentDown = TimeSpan.FromMinutes(5);
            },
            timeProvider: clock);
        var seed = await ConsoleSeed.StoreAsync(server, clock.GetUtcNow());
        using var console = new ConsoleClient(server);

        Task<string?> StatusAsync() => StatusOfAsync(console, seed.WebAgent);

        var statuses = new List<string?> { await StatusAsync() };
        clock.Advance(TimeSpan.FromSeconds(44));
        statuses.Add(await StatusAsync());
        clock.Advance(TimeSpan.FromSeconds(2));
        statuses.Add(await StatusAsync());
        clock.Advance(TimeSpan.FromMinutes(5));
        statuses.Add(await StatusAsync());

        // A heartbeat brings it back up.
        using var client = new ServerClient(server.Address);
        await client.Health.HeartbeatAsync(new Rlog.V1.HeartbeatRequest { Cpu = 1 }, ServerClient.Bearer(seed.WebToken)).ResponseAsync.WaitAsync(ServerClient.Timeout);
        statuses.Add(await StatusAsync());

        Assert.That(statuses, Is.EqualTo(new[] { "up", "up", "late", "down", "up" }));
    }

    [Test]
    public async Task AgentLastSeen_MovesWithSendToo()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole, timeProvider: clock);
        var seed = await ConsoleSeed.StoreAsync(server, clock.GetUtcNow());
        using var console = new ConsoleClient(server);
        // Within the access token's 15 minutes, past --agent-down's 10.
        clock.Advance(TimeSpan.FromMinutes(12));
        var before = await StatusOfAsync(console, seed.WebAgent);

        await seed.StoreBulkAsync(server, "later", 3, clock.GetUtcNow(), TimeSpan.FromSeconds(1));
        var web = (await console.GetJsonAsync("/api/v1/agents")).GetProperty("agents").EnumerateArray()
            .Single(a => a.GetProperty("agent_uuid").GetString() == seed.WebAgent);

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo("down"));
            Assert.That(web.GetProperty("status").GetString(), Is.EqualTo("up"));
            Assert.That(web.GetProperty("last_seen").GetString(), Is.EqualTo(TimeText.Rfc3339(clock.GetUtcNow())));
        });
    }

    [Test]
    public async Task Retention_TakesTheLinesCountsWithThem_SoTheHistogramStillAddsUp()
    {
        // Old events received three days ago, and old events received today (a late backlog):
        // after retention only the second batch is left, in the lines and in the histogram.
        // Stored in the order they were received, as a server stores them.
        await using var server = await StartServerAsync(ConsoleSeed.EnableConsole);
        using var console = new ConsoleClient(server);
        var now = DateTimeOffset.UtcNow;
        var eventTime = now.AddDays(-3).AddHours(-1);
        const string Agent = "01a24d6e-0000-7000-8000-000000000001";
        await server.Store.StoreBatchAsync(Agent, Batch("early", eventTime, 40), now.AddDays(-3));
        await server.Store.StoreBatchAsync(Agent, Batch("late", eventTime, 25), now);
        var range = $"from={TimeText.Rfc3339(now.AddDays(-4))}&to={TimeText.Rfc3339(now.AddDays(-2))}&buckets=4";

        var before = await SumAsync(console, $"/api/v1/histogram?{range}");
        await server.Store.Lines.DeleteReceivedBeforeAsync(now.AddDays(-1));
        var after = await SumAsync(console, $"/api/v1/histogram?{range}");
        var lines = (await console.GetJsonAsync($"/api/v1/lines?{range.Replace("&buckets=4", "", StringComparison.Ordinal)}&limit=1000")).GetProperty("lines");

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.EqualTo(65));
            Assert.That(after, Is.EqualTo(25));
            Assert.That(lines.GetArrayLength(), Is.EqualTo(25));
        });

        static async Task<long> SumAsync(ConsoleClient console, string path) =>
            (await console.GetJsonAsync(path)).GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64());
    }

    private static Rlog.V1.LogBatch Batch(string fileId, DateTimeOffset time, int count)
    {
        var batch = new Rlog.V1.LogBatch { BatchId = Guid.NewGuid().ToString() };
        for (var i = 0; i < count; i++)
        {
            batch.Logs.Add(new Rlog.V1.Log
            {
                Label = "old",
                Line = $"{fileId} {i}",
                Timestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.AddSeconds(i * 97)),
                Source = "/var/log/old.log",
                FileId = fileId,
                Offset = (ulong)i * 10,
            });
        }

        return batch;
    }

    [Test]
    public void Console_WithoutAViewerKey_RefusesToStart()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await StartServerAsync(options => options.Console.Listen = "127.0.0.1:0"));

        Assert.That(error!.Message, Does.Contain("viewer key"));
    }

    [Test]
    public void Console_WithAProjectKeyAsViewerKey_RefusesToStart()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await StartServerAsync(options =>
            {
                options.Console.Listen = "127.0.0.1:0";
                options.Console.ViewerKeys = [TestServer.ProjectKey];
            }));

        Assert.That(error!.Message, Does.Contain("project key"));
    }

    private static async Task<string?> StatusOfAsync(ConsoleClient console, string agentUuid) =>
        (await console.GetJsonAsync("/api/v1/agents")).GetProperty("agents").EnumerateArray()
            .Single(a => a.GetProperty("agent_uuid").GetString() == agentUuid).GetProperty("status").GetString();
}
