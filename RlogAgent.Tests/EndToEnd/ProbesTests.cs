using System.Net;
using System.Net.Sockets;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// /healthz and /ready on the metrics listener, as a kubelet probes them, while the real server
/// comes and goes.
/// </summary>
[TestFixture]
public sealed class ProbesTests : EndToEndTest
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private HttpClient _http = null!;

    [SetUp]
    public void CreateClient() => _http = new HttpClient { Timeout = RequestTimeout };

    [TearDown]
    public void DisposeClient() => _http.Dispose();

    [Test]
    public async Task Probes_ServerGoesAndComesBack_ReadyFollowsItAndLivenessStaysUp()
    {
        var log = Temp.Combine("app.log");
        Append(log, 0, 10);
        var port = FreeLoopbackPort();
        await using var agent = StartAgent(Source(log), $"metrics: {{listen: '127.0.0.1:{port}'}}");
        var probes = new Uri($"http://127.0.0.1:{port}");
        await WaitForLinesAsync(10);
        await WaitForStatusAsync(new Uri(probes, "/ready"), HttpStatusCode.OK);
        // "starting" until the checkpoint loop's first tick, a second after registration.
        Assert.That(await WaitForStatusAsync(new Uri(probes, "/healthz"), HttpStatusCode.OK, "ok\n"), Is.EqualTo("ok\n"));

        await Server.StopAsync();
        // Readiness allows max(3 heartbeat intervals, 5 s) without an acknowledgement.
        var notReady = await WaitForStatusAsync(new Uri(probes, "/ready"), HttpStatusCode.ServiceUnavailable);
        var alive = await GetAsync(new Uri(probes, "/healthz"));

        Server = await Server.RestartAsync();
        await WaitForStatusAsync(new Uri(probes, "/ready"), HttpStatusCode.OK);

        Assert.Multiple(() =>
        {
            Assert.That(notReady, Does.StartWith("no Send or heartbeat acknowledged for"));
            Assert.That(alive, Is.EqualTo((HttpStatusCode.OK, "ok\n")), "a server outage is not a reason to restart the agent");
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
    }

    [Test]
    public async Task Probes_BeforeRegistration_AliveButNotReady()
    {
        await Server.StopAsync();
        var port = FreeLoopbackPort();
        await using var agent = StartAgent(Source(Temp.Combine("app.log")), $"metrics: {{listen: '127.0.0.1:{port}'}}");
        var probes = new Uri($"http://127.0.0.1:{port}");

        var ready = await WaitForStatusAsync(new Uri(probes, "/ready"), HttpStatusCode.ServiceUnavailable);
        var alive = await GetAsync(new Uri(probes, "/healthz"));
        var unknown = await GetAsync(new Uri(probes, "/nothing-here"));

        Assert.Multiple(() =>
        {
            Assert.That(ready, Is.EqualTo("not registered yet\n"));
            Assert.That(alive, Is.EqualTo((HttpStatusCode.OK, "starting\n")));
            Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.NotFound));
        });
        Assert.That(await agent.StopAsync(), Is.EqualTo(ExitCodes.Ok));
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri url)
    {
        try
        {
            using var response = await _http.GetAsync(url).WaitAsync(RequestTimeout);
            return (response.StatusCode, await response.Content.ReadAsStringAsync().WaitAsync(RequestTimeout));
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
    }

    /// <summary>Polls until <paramref name="url"/> answers <paramref name="status"/> (and <paramref name="body"/> when given); returns that answer's body.</summary>
    private async Task<string> WaitForStatusAsync(Uri url, HttpStatusCode status, string? body = null)
    {
        var last = (Status: (HttpStatusCode)0, Body: "");
        await Eventually.WaitAsync(
            () =>
            {
                last = GetAsync(url).GetAwaiter().GetResult();
                return last.Status == status && (body is null || last.Body == body);
            },
            $"{url} to answer {(int)status} {body}");
        return last.Body;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
