using RlogServer.Common;
using Google.Protobuf.WellKnownTypes;
using Rlog.V1;
using RlogAgent.Tests.Support;
using RlogServer.Configuration;
using RlogServer.Storage.Console;

namespace RlogAgent.Tests.Server.Support;

/// <summary>
/// What the console tests read: two agents registered through the real gRPC API. web-1 sends
/// 10 "web" lines (file-web, offsets 0, 100, ...), event times Start + 0, 10, ... 90 s, with a
/// k8s.namespace.name attribute (shop for the first 5, blog after) and levels (line 3 ERROR, line
/// 4 WARN, the rest INFO), and 3 heartbeats; db-1 sends 5 "db" lines at Start + 5, 15, ... 45 s,
/// with neither, and no heartbeat.
/// </summary>
internal sealed class ConsoleSeed
{
    private ConsoleSeed(DateTimeOffset start, string webAgent, string webToken, string dbAgent)
    {
        Start = start;
        WebAgent = webAgent;
        WebToken = webToken;
        DbAgent = dbAgent;
    }

    /// <summary>The first line's event time: 30 minutes before the seed was stored, whole seconds.</summary>
    public DateTimeOffset Start { get; }

    public string WebAgent { get; }

    /// <summary>web-1's access token.</summary>
    public string WebToken { get; }

    public string DbAgent { get; }

    /// <summary>A range that holds every seeded line: from a minute before Start to an hour after it.</summary>
    public TimeRange TimeRange => new(Start.AddMinutes(-1), Start.AddHours(1));

    /// <summary><see cref="TimeRange"/> as query parameters.</summary>
    public string Range => $"from={TimeText.Rfc3339(TimeRange.From)}&to={TimeText.Rfc3339(TimeRange.To)}";

    /// <summary>Turns the console on with <see cref="ConsoleClient.ViewerKey"/>, on a free loopback port.</summary>
    public static void EnableConsole(ServerOptions options)
    {
        options.Console.Listen = "127.0.0.1:0";
        options.Console.ViewerKeys = [ConsoleClient.ViewerKey];
    }


    public static async Task<ConsoleSeed> StoreAsync(TestServer server, DateTimeOffset? now = null)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds((now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds()).AddMinutes(-30);
        using var client = new ServerClient(server.Address);
        var web = await RegisterAsync(client, "web-1");
        var db = await RegisterAsync(client, "db-1");

        var webBatch = NewBatch();
        for (var i = 0; i < 10; i++)
        {
            var text = i == 3 ? "web 3 ERROR Disk Full" : i % 2 == 0 ? $"web {i} GET /home" : $"web {i} POST /cart";
            var log = Line("web", "file-web", i, text, start.AddSeconds(10 * i));
            log.Attributes["k8s.namespace.name"] = i < 5 ? "shop" : "blog";
            (log.SeverityNumber, log.SeverityText) = i switch
            {
                3 => (17, "ERROR"),
                4 => (13, "WARN"),
                _ => (9, "INFO"),
            };
            webBatch.Logs.Add(log);
        }

        var dbBatch = NewBatch();
        for (var i = 0; i < 5; i++)
        {
            dbBatch.Logs.Add(Line("db", "file-db", i, $"db {i} select", start.AddSeconds((10 * i) + 5)));
        }

        await client.SendAsync(web.AccessToken, webBatch);
        await client.SendAsync(db.AccessToken, dbBatch);
        for (var i = 1; i <= 3; i++)
        {
            await client.Health.HeartbeatAsync(
                new HeartbeatRequest
                {
                    Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    Cpu = 10 * i,
                    Memory = 40 + i,
                    AgentVersion = i == 3 ? "9.9.9" : "1.0.0",
                    LinesRead = 100UL * (ulong)i,
                    LinesConfirmed = 100UL * (ulong)i,
                    ProcessCpu = i,
                    ProcessRssBytes = 1_000_000UL * (ulong)i,
                    FilesOpen = 2,
                    LinesRejected = i == 3 ? 2UL : 0UL,
                    SourceRestarts = i == 3 ? 1UL : 0UL,
                },
                ServerClient.Bearer(web.AccessToken)).ResponseAsync.WaitAsync(ServerClient.Timeout);
        }

        return new ConsoleSeed(start, web.AgentUuid, web.AccessToken, db.AgentUuid);
    }

    /// <summary>
    /// Stores <paramref name="count"/> lines of label <paramref name="label"/> as web-1, in file
    /// <paramref name="fileId"/>, event times from <paramref name="first"/> <paramref name="step"/> apart.
    /// </summary>
    public async Task StoreBulkAsync(TestServer server, string fileId, int count, DateTimeOffset first, TimeSpan step, string label = "bulk")
    {
        using var client = new ServerClient(server.Address);
        var batch = NewBatch();
        for (var i = 0; i < count; i++)
        {
            batch.Logs.Add(Line(label, fileId, i, $"{label} {fileId} {i}", first + (step * i)));
        }

        await client.SendAsync(WebToken, batch);
    }

    /// <summary>Stores one line of <paramref name="text"/> as web-1, label <paramref name="label"/>, at <paramref name="time"/>.</summary>
    public async Task StoreLineAsync(TestServer server, string label, string fileId, ulong offset, string text, DateTimeOffset time)
    {
        using var client = new ServerClient(server.Address);
        var batch = NewBatch();
        var log = Line(label, fileId, 0, text, time);
        log.Offset = offset;
        batch.Logs.Add(log);
        await client.SendAsync(WebToken, batch);
    }

    private static async Task<RegisterResponse> RegisterAsync(ServerClient client, string hostname) =>
        await client.Auth.RegisterAsync(new RegisterRequest
        {
            ProjectKey = TestServer.ProjectKey,
            Hostname = hostname,
            Os = "linux",
            AgentVersion = "1.0.0",
        }).ResponseAsync.WaitAsync(ServerClient.Timeout);

    private static LogBatch NewBatch() => new()
    {
        BatchId = Guid.NewGuid().ToString(),
        SendAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private static Log Line(string label, string fileId, int index, string text, DateTimeOffset time) => new()
    {
        Label = label,
        Line = text,
        Timestamp = Timestamp.FromDateTimeOffset(time),
        Source = $"/var/log/{label}.log",
        FileId = fileId,
        Offset = (ulong)index * 100,
    };
}
