using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Console;

/// <summary><c>GET /api/v1/tail</c>: server-sent events of lines stored after the stream opened.</summary>
[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class ConsoleTailTests : EngineFixture
{
    private TestServer _server = null!;
    private ConsoleClient _console = null!;
    private ConsoleSeed _seed = null!;

    public ConsoleTailTests(StorageEngineKind engine)
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

    [Test]
    public async Task Tail_SendsEachMatchingLineStoredAfterItOpened_Once()
    {
        await using var tail = await EventStream.OpenAsync(_console, "/api/v1/tail?label=live&exclude=skip");
        var clock = Stopwatch.StartNew();
        await _seed.StoreBulkAsync(_server, "live-a", 30, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), label: "live");
        await _seed.StoreBulkAsync(_server, "other", 10, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), label: "other");
        await _seed.StoreBulkAsync(_server, "live-b", 30, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), label: "live");

        var events = await tail.ReadEventsAsync(60, TimeSpan.FromSeconds(20));
        var deliveredAfter = clock.Elapsed;
        var stored = (await _console.GetJsonAsync($"/api/v1/lines?from=5m&label=live&limit=1000")).GetProperty("lines")
            .EnumerateArray().Select(l => l.GetProperty("id").GetString()!).OrderBy(long.Parse).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(tail.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(tail.ContentType, Is.EqualTo("text/event-stream"));
            Assert.That(tail.FirstLine, Is.EqualTo(": ok"), "the comment comes at once");
            Assert.That(events.Select(e => e.Id), Is.EqualTo(stored), "every live line, once, in storage order");
            Assert.That(events.Select(e => e.Data.GetProperty("label").GetString()), Is.All.EqualTo("live"));
            Assert.That(events.Select(e => e.Data.GetProperty("id").GetString()), Is.EqualTo(events.Select(e => e.Id)));
            Assert.That(events[0].Data.GetProperty("host").GetString(), Is.EqualTo("web-1"));
            Assert.That(deliveredAfter, Is.LessThan(TimeSpan.FromSeconds(10)));
        });
    }

    [Test]
    public async Task Tail_NoLineStoredBeforeItOpened()
    {
        await using var tail = await EventStream.OpenAsync(_console, "/api/v1/tail");
        await _seed.StoreBulkAsync(_server, "after", 1, DateTimeOffset.UtcNow, TimeSpan.Zero, label: "after");

        var events = await tail.ReadEventsAsync(1, TimeSpan.FromSeconds(20));

        Assert.That(events.Single().Data.GetProperty("line").GetString(), Is.EqualTo("after after 0"), "the seed's 15 lines were stored before");
    }

    [Test]
    public async Task Tail_LastEventId_ResumesAfterThatLine()
    {
        var lines = (await _console.GetJsonAsync($"/api/v1/lines?{_seed.Range}&label=web&limit=1")).GetProperty("lines");
        var lastWeb = lines[0].GetProperty("id").GetString()!;

        await using var tail = await EventStream.OpenAsync(_console, "/api/v1/tail", lastEventId: lastWeb);
        var events = await tail.ReadEventsAsync(5, TimeSpan.FromSeconds(20));

        Assert.That(events.Select(e => e.Data.GetProperty("line").GetString()), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"db {i} select")));
    }

    /// <summary>A server-sent event stream being read.</summary>
    private sealed class EventStream : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private EventStream(HttpResponseMessage response, StreamReader reader, string? firstLine)
        {
            _response = response;
            _reader = reader;
            FirstLine = firstLine;
        }

        public HttpStatusCode Status => _response.StatusCode;

        public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

        public string? FirstLine { get; }

        public static async Task<EventStream> OpenAsync(ConsoleClient console, string path, string? lastEventId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            var response = await console.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var first = await reader.ReadLineAsync().WaitAsync(ConsoleClient.Timeout);
            return new EventStream(response, reader, first);
        }

        public async Task<List<(string Id, JsonElement Data)>> ReadEventsAsync(int count, TimeSpan timeout)
        {
            var events = new List<(string, JsonElement)>();
            using var deadline = new CancellationTokenSource(timeout);
            string? id = null;
            while (events.Count < count)
            {
                string? line;
                try
                {
                    line = await _reader.ReadLineAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"{events.Count} of {count} events within {timeout.TotalSeconds} s");
                    throw;
                }

                if (line is null)
                {
                    Assert.Fail($"the stream ended after {events.Count} of {count} events");
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    events.Add((id!, JsonDocument.Parse(line[6..]).RootElement.Clone()));
                }
            }

            return events;
        }

        public async ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            await Task.CompletedTask;
        }
    }
}
