using System.Globalization;

namespace RlogBench.Sink;

/// <summary>
/// The HTTP/1.1 side the bench script talks to: <c>GET /count</c> (figures as key=value),
/// <c>GET /wait?ms=T</c> (the same, once the expected count is reached or after T ms),
/// <c>GET /reset?expect=N[&amp;trace=1]</c> (forget everything before the next run; with trace, keep
/// each new line's confirmation time), <c>GET /trace</c> ("offset confirmed_us" per traced line).
/// </summary>
public sealed class ControlEndpoints
{
    private readonly LineCounter _counter;

    public ControlEndpoints(LineCounter counter) => _counter = counter;

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        switch (context.Request.Path.Value)
        {
            case "/count":
                break;
            case "/wait":
                var ms = int.TryParse(context.Request.Query["ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 1000;
                try
                {
                    await _counter.Done.WaitAsync(TimeSpan.FromMilliseconds(ms), context.RequestAborted);
                }
                catch (TimeoutException)
                {
                    // The figures say how far it got; the caller decides whether to wait again.
                }
                catch (TaskCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    // Reset while waiting.
                }

                break;
            case "/reset":
                var expect = long.TryParse(context.Request.Query["expect"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
                _counter.Reset(expect, context.Request.Query["trace"] == "1");
                break;
            case "/trace":
                await context.Response.WriteAsync(_counter.DescribeTrace());
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("unknown path\n");
                return;
        }

        await context.Response.WriteAsync(_counter.Describe());
    }
}
