using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RlogAgent.Tests.Support;
using RlogServer.WebConsole;

namespace RlogAgent.Tests.Server.Support;

/// <summary>An HTTP client of a test server's console, signed in with a viewer key by default.</summary>
internal sealed class ConsoleClient : IDisposable
{
    public const string ViewerKey = "test-viewer-key";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public ConsoleClient(TestServer server, string? bearer = ViewerKey)
        : this(server.Services.GetRequiredService<ConsoleServer>().Address!, bearer)
    {
    }

    public ConsoleClient(Uri address, string? bearer = ViewerKey)
    {
        Address = address;
        Cookies = new CookieContainer();
        Http = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies, UseCookies = true }) { BaseAddress = address, Timeout = Timeout };
        if (bearer is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    /// <summary>GETs <paramref name="path"/>, asserts 200, and parses the JSON answer.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"GET {path}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>GETs <paramref name="path"/>: the status and the JSON error, or "".</summary>
    public async Task<(HttpStatusCode Status, string Error)> GetErrorAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        var error = "";
        if (body.StartsWith('{'))
        {
            using var json = JsonDocument.Parse(body);
            error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "";
        }

        return (response.StatusCode, error);
    }

    /// <summary>POSTs a sign-in with <paramref name="key"/> as JSON, as the console's own page would.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string key, string? origin = "same")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { key }), Encoding.UTF8, "application/json"),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin == "same" ? Address.GetLeftPart(UriPartial.Authority) : origin);
        }

        return await Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>Finds a test server's console address.</summary>
internal static class ConsoleAddress
{
    public static Uri GetConsoleAddress(this IServiceProvider services) =>
        services.GetRequiredService<ConsoleServer>().Address!;
}
