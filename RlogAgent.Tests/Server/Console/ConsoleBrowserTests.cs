using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RlogAgent.Tests.Server.Support;
using RlogAgent.Tests.Support;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Console;

/// <summary>
/// The console's pages in a real headless Chromium (Debian's <c>chromium</c>, driven by
/// Playwright): sign in, search, a row's attributes and context, live follow, the fleet and an
/// agent's charts, and log lines holding markup shown as text with no script run. When Chromium
/// is missing or cannot start, the tests fail saying so (never skip).
/// </summary>
[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
[NonParallelizable]
public sealed class ConsoleBrowserTests : EngineFixture
{
    /// <summary>Where Chromium is, unless RLOG_CHROMIUM names another.</summary>
    public const string DefaultChromium = "/usr/bin/chromium";

    private static readonly float Timeout = 15_000;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private TestServer _server = null!;
    private ConsoleSeed _seed = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public ConsoleBrowserTests(StorageEngineKind engine)
        : base(engine)
    {
    }

    private Uri Console => _server.Services.GetConsoleAddress();

    [OneTimeSetUp]
    public async Task LaunchAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("RLOG_CHROMIUM") is { Length: > 0 } path ? path : DefaultChromium;
        if (!File.Exists(chromium))
        {
            Assert.Fail($"Chromium is not at {chromium}: install Debian's chromium package (apt-get install chromium), as .ci/run does, or set RLOG_CHROMIUM");
        }

        _playwright = await Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                // As root (CI, containers) Chromium's sandbox cannot start.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
        }
        catch (PlaywrightException ex)
        {
            Assert.Fail($"Chromium at {chromium} did not start: {ex.Message}");
        }
    }

    [OneTimeTearDown]
    public async Task CloseAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    [SetUp]
    public async Task StartAsync()
    {
        _server = await StartServerAsync(ConsoleSeed.EnableConsole);
        _seed = await ConsoleSeed.StoreAsync(_server);
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        _context.SetDefaultTimeout(Timeout);
        _page = await _context.NewPageAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _context.CloseAsync();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task SignIn_ThenSearch_ShowsTheNewestLinesThenTheMatches_WithTheQueryInTheUrl()
    {
        await SignInAsync("/");
        var rows = _page.Locator("#results tr.row");
        await Assertions.Expect(rows).ToHaveCountAsync(15);
        var first = rows.First;

        var firstCells = await first.Locator("td").AllInnerTextsAsync();
        await _page.GetByLabel("Search", new() { Exact = true }).FillAsync("ERROR");
        await _page.GetByLabel("Search", new() { Exact = true }).PressAsync("Enter");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        var url = _page.Url;

        // The URL alone reproduces the view.
        var again = await _context.NewPageAsync();
        await again.GotoAsync(url);
        await Assertions.Expect(again.Locator("#results tr.row")).ToHaveCountAsync(1);
        await Assertions.Expect(again.Locator("#histogram canvas")).ToHaveCountAsync(1);

        Assert.Multiple(() =>
        {
            Assert.That(firstCells[0], Does.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$"), "time, in UTC");
            Assert.That(firstCells[1], Is.EqualTo("web-1"));
            Assert.That(firstCells[2], Is.EqualTo("web"));
            Assert.That(firstCells[3], Does.Contain("web 9 POST /cart"));
            Assert.That(url, Does.Contain("q=ERROR"));
        });
    }

    [Test]
    public async Task Row_OpensItsAttributes_AndShowsItsContextInTheFile()
    {
        await SignInAsync("/?q=Disk");
        var row = _page.Locator("#results tr.row");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await row.ClickAsync();
        var details = _page.Locator("#results tr.details");
        await Assertions.Expect(details).ToContainTextAsync("k8s.namespace.name");
        await Assertions.Expect(details).ToContainTextAsync("shop");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Show context" }).ClickAsync();
        var context = details.Locator("table.context-lines tr");
        await Assertions.Expect(context).ToHaveCountAsync(10);

        var target = await details.Locator("table.context-lines tr.target").InnerTextAsync();
        var lines = await details.Locator("table.context-lines td.line").AllInnerTextsAsync();

        Assert.Multiple(() =>
        {
            Assert.That(target, Does.Contain("web 3 ERROR Disk Full"));
            Assert.That(lines, Is.EqualTo(Enumerable.Range(0, 10).Select(i => i == 3 ? "web 3 ERROR Disk Full" : i % 2 == 0 ? $"web {i} GET /home" : $"web {i} POST /cart")), "the file's lines, by offset");
        });
    }

    [Test]
    public async Task LinePage_ShowsTheLineInItsContext()
    {
        using var api = new ConsoleClient(_server);
        var id = (await api.GetJsonAsync($"/api/v1/lines?{_seed.Range}&contains=Disk")).GetProperty("lines")[0].GetProperty("id").GetString();

        await SignInAsync($"/lines/{id}");

        await Assertions.Expect(_page.Locator("tr.target")).ToContainTextAsync("web 3 ERROR Disk Full");
        await Assertions.Expect(_page.Locator("table.context-lines tr")).ToHaveCountAsync(10);
    }

    [Test]
    public async Task Live_FollowsNewLinesAsTheyAreStored()
    {
        await SignInAsync("/?label=live");
        await _page.GetByLabel("Live", new() { Exact = true }).CheckAsync();
        await Assertions.Expect(_page.Locator("#summary")).ToContainTextAsync("Live");

        await _seed.StoreBulkAsync(_server, "live-file", 3, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), label: "live");

        await Assertions.Expect(_page.Locator("#results tr.row")).ToHaveCountAsync(3);
        var newest = await _page.Locator("#results tr.row").First.Locator("td.line").InnerTextAsync();
        Assert.That(newest, Is.EqualTo("live live-file 2"), "new lines go on top");
        Assert.That(_page.Url, Does.Contain("live=1"));
    }

    [Test]
    public async Task Live_CheckedBeforeTheChoicesLoad_KeepsTheUrlsLabel()
    {
        // The label list answers only after "Live" is checked: the follow must still be for the
        // URL's label, not for every line.
        var labelsAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _page.RouteAsync("**/api/v1/labels*", async route =>
        {
            await labelsAnswer.Task;
            await route.ContinueAsync();
        });
        await SignInAsync("/?label=live");
        await Assertions.Expect(_page.Locator("#label")).ToHaveValueAsync("live");
        await _page.GetByLabel("Live", new() { Exact = true }).CheckAsync();
        await Assertions.Expect(_page.Locator("#summary")).ToContainTextAsync("Live");

        await _seed.StoreBulkAsync(_server, "live-file", 2, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), label: "live");
        labelsAnswer.SetResult();

        await Assertions.Expect(_page.Locator("#results tr.row")).ToHaveCountAsync(2);
        Assert.That(_page.Url, Does.Contain("label=live").And.Contain("live=1"));
    }

    [Test]
    public async Task Fleet_ListsEveryAgent_AndAnAgentPageChartsItsHeartbeats()
    {
        await SignInAsync("/fleet");
        var headers = await _page.Locator("#fleet thead th").AllInnerTextsAsync();
        await Assertions.Expect(_page.Locator("#fleet tbody tr")).ToHaveCountAsync(2);
        var web = _page.Locator("#fleet tbody tr", new() { HasText = "web-1" });
        var cells = await web.Locator("td").AllInnerTextsAsync();

        await web.GetByRole(AriaRole.Link, new() { Name = "web-1" }).ClickAsync();
        await Assertions.Expect(_page).ToHaveURLAsync(new Regex($"/agents/{_seed.WebAgent}$"));
        await Assertions.Expect(_page.Locator(".charts .chart canvas")).ToHaveCountAsync(4);
        var titles = await _page.Locator(".charts h2").AllInnerTextsAsync();

        Assert.Multiple(() =>
        {
            Assert.That(headers, Is.EqualTo(new[] { "Host", "Status", "Version", "Last seen", "CPU", "Memory", "Lines", "Rejected" }));
            Assert.That(cells[1], Is.EqualTo("up"));
            Assert.That(cells[2], Is.EqualTo("9.9.9"));
            Assert.That(cells[4], Is.EqualTo("30.0 %"));
            Assert.That(cells[6], Is.EqualTo("300"));
            Assert.That(cells[7], Is.EqualTo("2"));
            Assert.That(titles, Has.Some.Contain("CPU").And.Some.Contain("Memory").And.Some.Contain("Resident memory").And.Some.Contain("Lines confirmed"));
        });
    }

    [Test]
    public async Task LogLineHoldingMarkup_IsShownAsText_AndNoScriptRuns()
    {
        const string Markup = "<script>window.__rlogPwned = 1</script><img src=x onerror=\"window.__rlogPwned = 2\"><b>bold</b>";
        await _seed.StoreLineAsync(_server, "<i>label</i>", "markup", 0, Markup, DateTimeOffset.UtcNow.AddMinutes(-1));
        var dialogs = 0;
        _page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        await SignInAsync("/?q=" + Uri.EscapeDataString("<script>"));
        var row = _page.Locator("#results tr.row");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        var line = await row.Locator("td.line").InnerTextAsync();
        var label = await row.Locator("td.label").InnerTextAsync();
        await row.ClickAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Show context" }).ClickAsync();
        await Assertions.Expect(_page.Locator("table.context-lines tr")).ToHaveCountAsync(1);
        var pwned = await _page.EvaluateAsync<bool>("() => window.__rlogPwned !== undefined");
        var injected = await _page.Locator("#results img, #results b, #results i, #results script").CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(line, Is.EqualTo(Markup), "the markup, as text");
            Assert.That(label, Is.EqualTo("<i>label</i>"));
            Assert.That(pwned, Is.False, "no script from the line ran");
            Assert.That(injected, Is.Zero, "no element from the line");
            Assert.That(dialogs, Is.Zero);
        });
    }

    [Test]
    public async Task Screenshot_OfTheSearchPage()
    {
        // The README's screenshot: written next to the test results (and to docs/ when
        // RLOG_SCREENSHOTS names the folder).
        await SignInAsync("/");
        await Assertions.Expect(_page.Locator("#results tr.row")).ToHaveCountAsync(15);
        await Assertions.Expect(_page.Locator("#histogram canvas")).ToHaveCountAsync(1);
        var file = Path.Combine(Environment.GetEnvironmentVariable("RLOG_SCREENSHOTS") is { Length: > 0 } folder ? folder : TestContext.CurrentContext.WorkDirectory, $"console-search-{Engine}.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = false });

        Assert.That(new FileInfo(file).Length, Is.GreaterThan(10_000));
        TestContext.AddTestAttachment(file);
    }

    // Opens path unsigned, signs in on the form it shows, and waits for the page asked for.
    private async Task SignInAsync(string path)
    {
        await _page.GotoAsync(new Uri(Console, path).ToString());
        await _page.GetByLabel("Viewer key", new() { Exact = true }).FillAsync(ConsoleClient.ViewerKey);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(_page.Locator("#view")).Not.ToBeEmptyAsync();
        Assert.That(new Uri(_page.Url).PathAndQuery, Is.EqualTo(path), "the page first asked for");
    }
}
