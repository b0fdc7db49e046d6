using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Rlog.V1;

namespace RlogBench.ConsoleLoad;

/// <summary>
/// Times the console on what <see cref="HistoryLoad"/> stored: each API query run several times
/// (the median and the slowest reported), how long a stored line takes to reach an open tail, and
/// the bytes the search page transfers (compressed) before its first results.
/// </summary>
internal static class ConsoleMeasure
{
    public static async Task<int> RunAsync(Uri server, Uri console, string viewerKey, string projectKey, int runs)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { BaseAddress = console, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", viewerKey);
        var queries = new (string Name, string Path)[]
        {
            ("first page, label + host, last hour", "/api/v1/lines?label=app&host=host-07&from=1h&limit=100"),
            ("first page, no filter, last hour", "/api/v1/lines?from=1h&limit=100"),
            ("first page, host, last 24 h", "/api/v1/lines?host=host-07&from=24h&limit=100"),
            ("rare substring, 24 h (contains)", $"/api/v1/lines?contains={Uri.EscapeDataString(HistoryLoad.RareToken)}&from=24h&limit=100"),
            ("rare substring, 24 h (icontains)", $"/api/v1/lines?icontains={Uri.EscapeDataString(HistoryLoad.RareToken.ToUpperInvariant())}&from=24h&limit=100"),
            ("rare substring, 24 h (regex)", $"/api/v1/lines?regex={Uri.EscapeDataString("status=50[3]")}&from=24h&limit=100"),
            ("level error, last hour", "/api/v1/lines?level=error&from=1h&limit=100"),
            ("histogram, 24 h, 60 buckets", "/api/v1/histogram?from=24h&buckets=60"),
            ("histogram, label + host, 24 h", "/api/v1/histogram?label=app&host=host-07&from=24h&buckets=60"),
            ("histogram, last hour, 60 buckets", "/api/v1/histogram?from=1h&buckets=60"),
            ("facets host, last hour", "/api/v1/facets?field=host&from=1h&limit=100"),
            ("labels, last hour", "/api/v1/labels?from=1h"),
            ("context, 20 + 20", "CONTEXT"),
        };

        var contextId = "";
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| query | median ms | slowest ms | answer |");
        Console.WriteLine("| --- | ---: | ---: | --- |");
        foreach (var (name, template) in queries)
        {
            var path = template == "CONTEXT" ? $"/api/v1/context?id={contextId}&before=20&after=20" : template;
            var times = new List<double>();
            var summary = "";
            for (var run = 0; run < runs; run++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                clock.Stop();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
                }

                times.Add(clock.Elapsed.TotalMilliseconds);
                using var json = JsonDocument.Parse(body);
                summary = Summarize(json.RootElement);
                if (contextId.Length == 0 && json.RootElement.TryGetProperty("lines", out var lines) && lines.GetArrayLength() > 0)
                {
                    contextId = lines[0].GetProperty("id").GetString()!;
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(inv, $"| {name} (`{path}`) | {times[times.Count / 2]:F0} | {times[^1]:F0} | {summary} |"));
        }

        await MeasureTailAsync(http, server, projectKey, runs);
        await MeasurePageAsync(console, viewerKey);
        return 0;
    }

    private static string Summarize(JsonElement answer) =>
        answer.TryGetProperty("counts", out var counts) ? $"{counts.EnumerateArray().Sum(c => c.GetInt64()):N0} lines in the buckets"
        : answer.TryGetProperty("lines", out var lines) ? $"{lines.GetArrayLength()} lines"
        : answer.TryGetProperty("values", out var values) ? $"{values.GetArrayLength()} values"
        : answer.TryGetProperty("labels", out var labels) ? $"{labels.GetArrayLength()} labels"
        : "";

    // How long after its Send is answered OK a line arrives on an open tail (the tail polls the
    // database every 250 ms).
    private static async Task MeasureTailAsync(HttpClient http, Uri server, string projectKey, int runs)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var registered = await new AuthService.AuthServiceClient(channel).RegisterAsync(new RegisterRequest
        {
            ProjectKey = projectKey,
            Hostname = "tail-probe",
            Os = "linux",
            AgentVersion = "bench",
        });
        var headers = new Metadata { { "authorization", $"Bearer {registered.AccessToken}" } };
        var logs = new LogService.LogServiceClient(channel);
        using var response = await http.GetAsync("/api/v1/tail?label=tail-probe", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await reader.ReadLineAsync();
        var delays = new List<double>();
        for (var i = 0; i < Math.Max(runs, 10); i++)
        {
            using var call = logs.Send(headers);
            await call.RequestStream.WriteAsync(new LogBatch
            {
                BatchId = Guid.CreateVersion7().ToString(),
                Logs =
                {
                    new Log
                    {
                        Label = "tail-probe",
                        Line = $"probe {i}",
                        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                        Source = "/probe",
                        FileId = "probe",
                        Offset = (ulong)i * 10,
                    },
                },
            });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
            var stored = Stopwatch.StartNew();
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains($"probe {i}\"", StringComparison.Ordinal))
                {
                    break;
                }
            }

            delays.Add(stored.Elapsed.TotalMilliseconds);
        }

        delays.Sort();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"\ntail: a stored line reached the open stream {delays[delays.Count / 2]:F0} ms (median), {delays[^1]:F0} ms (slowest) after its Send was answered, over {delays.Count} lines"));
    }

    // What a browser downloads for the search page before its first results: the page, its
    // scripts and styles, and the first API answers, compressed as a browser asks (br, gzip).
    private static async Task MeasurePageAsync(Uri console, string viewerKey)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, CookieContainer = cookies }) { BaseAddress = console };
        using (var signIn = await http.PostAsync("/api/v1/session", new StringContent(JsonSerializer.Serialize(new { key = viewerKey }), Encoding.UTF8, "application/json")))
        {
            signIn.EnsureSuccessStatusCode();
        }

        http.DefaultRequestHeaders.AcceptEncoding.ParseAdd("br, gzip");
        long total = 0;
        var parts = new List<string>();
        foreach (var path in new[]
        {
            "/", "/assets/uPlot.min.css", "/assets/app.css", "/assets/uPlot.iife.min.js", "/assets/app.js",
            "/api/v1/lines?from=1h&limit=100", "/api/v1/histogram?from=1h&buckets=60", "/api/v1/labels?from=1h", "/api/v1/facets?from=1h&field=host&limit=200",
        })
        {
            using var response = await http.GetAsync(path);
            var bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
            total += bytes;
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{path} {bytes / 1024.0:F1} KB ({string.Join(",", response.Content.Headers.ContentEncoding)})"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nsearch page before its first results: {total / 1024.0:F1} KB compressed"));
        foreach (var part in parts)
        {
            Console.WriteLine("  " + part);
        }
    }
}
