namespace RlogServer.WebConsole;

/// <summary>
/// The pages: <c>/</c> (search), <c>/fleet</c>, <c>/agents/UUID</c>, <c>/lines/ID</c>. One page
/// serves them all and draws the one its path names; without a session, each answers the
/// sign-in form, which reloads the same path once signed in. Scripts and styles are under
/// <c>/assets/</c>.
/// </summary>
internal static class ConsolePages
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", PageAsync);
        app.MapGet("/fleet", PageAsync);
        app.MapGet("/agents/{uuid}", PageAsync);
        app.MapGet("/lines/{id}", PageAsync);
        app.MapGet("/assets/{file}", (HttpContext context, string file, ConsoleAssets assets) => assets.ServeAsync(context, file, cache: true));
    }

    private static async Task PageAsync(HttpContext context, ViewerAccess access, ConsoleAssets assets)
    {
        var signedIn = await access.LiveSessionAsync(context).ConfigureAwait(false) is not null;
        await assets.ServeAsync(context, signedIn ? "app.html" : "signin.html", cache: false).ConfigureAwait(false);
    }
}
