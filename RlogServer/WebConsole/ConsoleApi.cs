using System.Text.Json;
using RlogServer.Common;
using RlogServer.Configuration;
using RlogServer.Storage;
using RlogServer.Storage.Console;

namespace RlogServer.WebConsole;

/// <summary>The JSON API under <c>/api/v1</c> (the contract is <c>console-api.md</c>; the README documents it).</summary>
internal static class ConsoleApi
{
    /// <summary>Most lines one page (<c>limit</c>) may ask for.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Most histogram buckets.</summary>
    public const int MaxBuckets = 1000;

    /// <summary>Most lines on either side of a context.</summary>
    public const int MaxContext = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/session", SignInAsync);
        app.MapDelete("/api/v1/session", SignOutAsync);
        app.MapGet("/api/v1/lines", LinesAsync);
        app.MapGet("/api/v1/histogram", HistogramAsync);
        app.MapGet("/api/v1/context", ContextAsync);
        app.MapGet("/api/v1/facets", FacetsAsync);
        app.MapGet("/api/v1/labels", LabelsAsync);
        app.MapGet("/api/v1/agents", AgentsAsync);
        app.MapGet("/api/v1/agents/{uuid}/heartbeats", HeartbeatsAsync);
        app.MapGet("/api/v1/tail", TailStream.RunAsync);
        app.Map("/api/v1/{**rest}", (HttpContext context) => ErrorAsync(context, StatusCodes.Status404NotFound, "no such API endpoint"));
    }

    /// <summary>Answers <paramref name="status"/> with <c>{"error": message}</c>.</summary>
    public static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Writes a JSON body built by <paramref name="write"/>.</summary>
    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task SignInAsync(HttpContext context, ViewerAccess access, ConsoleOrigin origin)
    {
        if (!origin.IsSameOrigin(context))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, "sign in from the console's own page (Origin is another site)").ConfigureAwait(false);
            return;
        }

        if (!access.TryTakeSignIn(context))
        {
            context.Response.Headers.RetryAfter = "60";
            await ErrorAsync(context, StatusCodes.Status429TooManyRequests, $"more than {ViewerAccess.SignInsPerMinute} sign-in attempts a minute from this address; wait a minute").ConfigureAwait(false);
            return;
        }

        var key = await ReadKeyAsync(context).ConfigureAwait(false);
        if (!access.IsViewerKey(key))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "that is not a viewer key").ConfigureAwait(false);
            return;
        }

        var id = await access.CreateSessionAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.Cookies.Append(ViewerAccess.CookieName, id, new CookieOptions
        {
            Path = "/",
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            MaxAge = ConsoleOptions.SessionLifetime,
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    // The key from a form field or a JSON member named key; null when there is none.
    private static async Task<string?> ReadKeyAsync(HttpContext context)
    {
        try
        {
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                return form["key"].ToString();
            }

            if (context.Request.ContentLength is > 64 * 1024)
            {
                return null;
            }

            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
                ? key.GetString()
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or BadHttpRequestException)
        {
            return null;
        }
    }

    private static async Task SignOutAsync(HttpContext context, ViewerAccess access, ConsoleOrigin origin)
    {
        if (!origin.IsSameOrigin(context))
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, "sign out from the console's own page (Origin is another site)").ConfigureAwait(false);
            return;
        }

        if (context.Request.Cookies.TryGetValue(ViewerAccess.CookieName, out var id) && !string.IsNullOrEmpty(id))
        {
            await access.EndSessionAsync(id, context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.Cookies.Delete(ViewerAccess.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task LinesAsync(HttpContext context, LogStore store, TimeProvider time)
    {
        var query = context.Request.Query;
        var filter = await CheckedFilterAsync(context, store).ConfigureAwait(false);
        var limit = ConsoleRequest.Count(query, "limit", 100, 1, MaxLimit);
        TimeRange range;
        LinePosition? after = null;
        if (query.TryGetValue("cursor", out var cursor) && cursor.ToString().Length > 0)
        {
            (range, var position) = ConsoleRequest.ParseCursor(cursor.ToString());
            after = position;
        }
        else
        {
            range = ConsoleRequest.Range(query, time.GetUtcNow());
        }

        // One more than asked tells whether an older page exists.
        var lines = await store.Console.SearchAsync(filter, range, after, limit + 1, context.RequestAborted).ConfigureAwait(false);
        var page = lines.Take(limit).ToList();
        string? next = lines.Count > limit ? ConsoleRequest.Cursor(range, new LinePosition(page[^1].Timestamp, page[^1].Id)) : null;
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("lines");
            foreach (var line in page)
            {
                ConsoleJson.WriteLine(json, line);
            }

            json.WriteEndArray();
            if (next is null)
            {
                json.WriteNull("next");
            }
            else
            {
                json.WriteString("next", next);
            }

            json.WriteString("from", TimeText.Rfc3339(range.From));
            json.WriteString("to", TimeText.Rfc3339(range.To));
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task HistogramAsync(HttpContext context, LogStore store, TimeProvider time)
    {
        var query = context.Request.Query;
        var filter = await CheckedFilterAsync(context, store).ConfigureAwait(false);
        var buckets = ConsoleRequest.Count(query, "buckets", 60, 1, MaxBuckets);
        var range = ConsoleRequest.Range(query, time.GetUtcNow());
        var counts = range.SpanMilliseconds == 0
            ? new long[buckets]
            : await store.Console.HistogramAsync(filter, range, buckets, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("from", TimeText.Rfc3339(range.From));
            json.WriteString("to", TimeText.Rfc3339(range.To));
            json.WriteNumber("step_seconds", range.SpanMilliseconds / 1000.0 / buckets);
            json.WriteStartArray("counts");
            foreach (var count in counts)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task ContextAsync(HttpContext context, LogStore store)
    {
        var query = context.Request.Query;
        var id = ConsoleRequest.Id(query["id"].ToString(), "id");
        var before = ConsoleRequest.Count(query, "before", 20, 0, MaxContext);
        var after = ConsoleRequest.Count(query, "after", 20, 0, MaxContext);
        if (await store.Console.FindLineAsync(id, context.RequestAborted).ConfigureAwait(false) is not { } line)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, $"id: no line {id}").ConfigureAwait(false);
            return;
        }

        var around = await store.Console.ContextAsync(line, before, after, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("lines");
            foreach (var each in around.Lines)
            {
                ConsoleJson.WriteLine(json, each);
            }

            json.WriteEndArray();
            json.WriteNumber("index", around.Index);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task FacetsAsync(HttpContext context, LogStore store, TimeProvider time)
    {
        var query = context.Request.Query;
        var fieldText = query["field"].ToString();
        var field = FacetField.Parse(fieldText)
            ?? throw BadParameterException.For("field", fieldText.Length == 0 ? "is required: host, label, source or attr.KEY" : "must be host, label, source or attr.KEY");
        var filter = await CheckedFilterAsync(context, store).ConfigureAwait(false);
        var limit = ConsoleRequest.Count(query, "limit", 10, 1, MaxLimit);
        var range = ConsoleRequest.Range(query, time.GetUtcNow());
        var values = await store.Console.FacetAsync(filter, range, field, limit, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("field", field.Name);
            json.WriteStartArray("values");
            foreach (var value in values)
            {
                json.WriteStartObject();
                json.WriteString("value", value.Value);
                json.WriteNumber("lines", value.Lines);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task LabelsAsync(HttpContext context, LogStore store, TimeProvider time)
    {
        var range = ConsoleRequest.Range(context.Request.Query, time.GetUtcNow());
        var labels = await store.Console.FacetAsync(LineFilter.All, range, new FacetField(FacetKind.Label), MaxLimit, context.RequestAborted)
            .ConfigureAwait(false);
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("labels");
            foreach (var label in labels)
            {
                json.WriteStartObject();
                json.WriteString("label", label.Value);
                json.WriteNumber("lines", label.Lines);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task AgentsAsync(HttpContext context, LogStore store, TimeProvider time, ConsoleOptions options)
    {
        var agents = await store.Console.AgentsAsync(context.RequestAborted).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("agents");
            foreach (var agent in agents)
            {
                ConsoleJson.WriteAgent(json, agent, Status(agent, now, options));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary><c>up</c>, <c>late</c> or <c>down</c>, by how long ago the agent was last heard from.</summary>
    public static string Status(AgentSummary agent, DateTimeOffset now, ConsoleOptions options)
    {
        var silent = now - agent.LastSeen;
        return silent < options.AgentLate ? "up" : silent < options.AgentDown ? "late" : "down";
    }

    private static async Task HeartbeatsAsync(HttpContext context, string uuid, LogStore store, TimeProvider time)
    {
        if (!Guid.TryParse(uuid, out var parsed))
        {
            throw BadParameterException.For("uuid", $"'{uuid}' is not an agent uuid");
        }

        var range = ConsoleRequest.Range(context.Request.Query, time.GetUtcNow());
        var agentUuid = parsed.ToString();
        // One primary-key lookup, not the whole fleet with its last heartbeats.
        if (!(await store.Agents.FindSecretAsync(agentUuid, context.RequestAborted).ConfigureAwait(false)).Exists)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, $"uuid: no agent {agentUuid}").ConfigureAwait(false);
            return;
        }

        var points = await store.Console.HeartbeatsAsync(agentUuid, range, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("points");
            foreach (var point in points)
            {
                ConsoleJson.WritePoint(json, point);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The request's filters, each regex checked by the engine that will run it.</summary>
    public static async Task<LineFilter> CheckedFilterAsync(HttpContext context, LogStore store)
    {
        var filter = ConsoleRequest.Filter(context.Request.Query);
        foreach (var pattern in filter.Regex)
        {
            if (await store.Console.RegexErrorAsync(pattern, context.RequestAborted).ConfigureAwait(false) is { } error)
            {
                throw BadParameterException.For("regex", $"not a regular expression: {error}");
            }
        }

        return filter;
    }
}
