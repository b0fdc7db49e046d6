using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using RlogServer.Storage;

namespace RlogServer.WebConsole;

/// <summary>
/// <c>GET /api/v1/tail</c>: server-sent events of every matching line stored after the stream
/// opened, by any replica, read from the database every <see cref="PollInterval"/>, through a
/// <see cref="FollowCursor"/> as <c>query --follow</c> reads (ids younger than <see cref="Settle"/>
/// read again and sent once).
/// </summary>
internal static class TailStream
{
    /// <summary>How often the database is asked for new lines.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after it arrived a line's id is taken as settled.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    /// <summary>Longest silence before a comment line keeps the stream (and proxies) awake.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    // How often a session's tail asks whether it was signed out on another replica.
    private static readonly TimeSpan SessionCheck = TimeSpan.FromSeconds(5);

    private const int PageSize = 1000;

    public static async Task RunAsync(HttpContext context, LogStore store, ViewerAccess access, TimeProvider time)
    {
        var query = context.Request.Query;
        var filter = await ConsoleApi.CheckedFilterAsync(context, store).ConfigureAwait(false);
        DateTimeOffset? from = ConsoleRequest.HasFrom(query) ? ConsoleRequest.Range(query, time.GetUtcNow()).From : null;
        long lowWater;
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            lowWater = ConsoleRequest.Id(lastEventId, "Last-Event-ID");
        }
        else
        {
            lowWater = await store.Lines.MaxIdAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var sessionId = context.Request.Headers.Authorization.Count == 0 ? await access.LiveSessionAsync(context).ConfigureAwait(false) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var tracked = sessionId is null ? null : access.TrackTail(sessionId, stop);

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync(": ok\n\n", stop.Token).ConfigureAwait(false);
        await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);

        var cursor = new FollowCursor(lowWater, Settle);
        var lastWrite = time.GetTimestamp();
        var lastSessionCheck = time.GetTimestamp();
        using var timer = new PeriodicTimer(PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                if (sessionId is not null && time.GetElapsedTime(lastSessionCheck) >= SessionCheck)
                {
                    lastSessionCheck = time.GetTimestamp();
                    if (!await access.IsStillLiveAsync(sessionId, stop.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                IReadOnlyList<StoredLine> found;
                do
                {
                    var now = time.GetUtcNow();
                    found = await store.Console.ReadAfterAsync(filter, cursor.LowWater, now - Settle, PageSize, stop.Token).ConfigureAwait(false);
                    var events = new StringBuilder();
                    foreach (var line in cursor.Take(found, now, pageFull: found.Count == PageSize))
                    {
                        if (from is null || line.Timestamp >= from)
                        {
                            AppendEvent(events, line);
                        }
                    }

                    if (events.Length > 0)
                    {
                        await response.WriteAsync(events.ToString(), stop.Token).ConfigureAwait(false);
                        await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
                        lastWrite = time.GetTimestamp();
                    }
                }
                while (found.Count == PageSize);

                if (time.GetElapsedTime(lastWrite) >= KeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", stop.Token).ConfigureAwait(false);
                    await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
                    lastWrite = time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The viewer went away or signed out: the normal end of a tail.
        }
    }

    private static void AppendEvent(StringBuilder events, StoredLine line)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            ConsoleJson.WriteLine(json, line);
        }

        // Utf8JsonWriter escapes line breaks inside strings: the data is one line.
        events.Append("id: ").Append(line.Id.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("data: ").Append(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).Append("\n\n");
    }
}
