using System.Collections.Frozen;
using System.Security.Cryptography;

namespace RlogServer.WebConsole;

/// <summary>
/// The console's pages, scripts and styles, built into the server (embedded resources named
/// <c>console/FILE</c>): its own files under <c>WebConsole/wwwroot</c>, and uPlot from npm, pinned
/// by <c>WebConsole/package-lock.json</c>. Nothing is fetched from elsewhere, so the console works
/// with no internet.
/// </summary>
internal sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    private readonly FrozenDictionary<string, Asset> _assets;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name[Prefix.Length..];
            assets[file] = new Asset(bytes, ContentType(file), Convert.ToHexString(SHA256.HashData(bytes))[..16]);
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Whether the build embedded <paramref name="file"/>.</summary>
    public bool Has(string file) => _assets.ContainsKey(file);

    /// <summary>Answers with <paramref name="file"/>, or 404 when there is none.</summary>
    public async Task ServeAsync(HttpContext context, string file, bool cache)
    {
        if (!_assets.TryGetValue(file, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var etag = $"\"{asset.Tag}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = cache ? "public, max-age=3600" : "no-store";
        if (cache && context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = asset.ContentType;
        await context.Response.Body.WriteAsync(asset.Bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string Tag);
}
