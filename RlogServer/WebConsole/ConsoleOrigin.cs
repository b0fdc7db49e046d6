namespace RlogServer.WebConsole;

/// <summary>
/// Whether a state-changing request (signing in or out) comes from the console's own pages:
/// its <c>Origin</c> is the console itself, or, without one, <c>Sec-Fetch-Site</c> says
/// same-origin. A request with neither comes from no browser page (a script, curl) and may
/// pass: cross-site pages always send one of them.
/// </summary>
internal sealed class ConsoleOrigin
{
    public bool IsSameOrigin(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }
}
