using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Soak;

/// <summary>
/// The promise under churn, for as long as asked (RLOG_SOAK_MINUTES, 10 by default): files written
/// without pause, rotated by rename, copytruncated, short-lived files created and deleted, more
/// files than max_open_files, the server restarted and refusing some lines now and then, the agent
/// SIGKILLed and started again. At the end every line written is stored exactly once, except the
/// refused ones, which are all in rejected.jsonl. Not run by CI (explicit): <c>dotnet pwsh ./build.ps1 soak</c>.
/// </summary>
[TestFixture]
[Explicit("a soak run of minutes: dotnet pwsh ./build.ps1 soak")]
[Category("Soak")]
[Platform(Exclude = "Win", Reason = "POSIX signals")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ChurnSoakTests : EndToEndTest
{
    public const string MinutesVariable = "RLOG_SOAK_MINUTES";
    private const int Writers = 4;
    private const int SigKill = 9;

    /// <summary>Each writer appends 10 lines this often: about 400 lines/s in all.</summary>
    private static readonly TimeSpan WritePace = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the checks read what the server stored (all of it: not every 25 ms).</summary>
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentDictionary<string, byte> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _paused = new();
    private FaultPlan _faults = null!;
    private string _logs = "";

    protected override Task<TestServer> StartTestServerAsync()
    {
        _faults = new FaultPlan();
        return TestServer.StartAsync(grpc: g => g.Interceptors.Add<FaultInjector>(_faults));
    }

    [Test]
    public async Task Churn_ForMinutes_EveryLineStoredOnceAndEveryRefusedLineSetAside()
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable(MinutesVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : 10;
        var random = new Random(20261128);
        _logs = Temp.Combine("logs");
        Directory.CreateDirectory(_logs);
        WriteProcessConfig(Path.Combine(_logs, "*.log"), "max_open_files: 6\nrotate_wait: 0.5\nlog_level: warning");
        var agent = AgentProcess.Start(Temp.Path);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w, stop.Token))).ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var rotations = new int[Writers];
        var pods = 0;
        try
        {
            while (clock.Elapsed < TimeSpan.FromMinutes(minutes))
            {
                var step = random.Next(100);
                var writer = random.Next(Writers);
                string what;
                if (step < 35)
                {
                    what = "rotate";
                    Rotate(writer, ++rotations[writer]);
                }
                else if (step < 55)
                {
                    what = "pod";
                    await PodAsync(pods++);
                }
                else if (step < 70)
                {
                    what = "copytruncate";
                    await CopytruncateAsync(writer);
                }
                else if (step < 85)
                {
                    what = "server restart";
                    await Server.StopAsync();
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 2000)));
                    Server = await Server.RestartAsync();
                }
                else
                {
                    what = "agent SIGKILL";
                    AgentProcess.Signal(agent.Id, SigKill);
                    await agent.WaitForExitAsync(ExitTimeout);
                    agent.Dispose();
                    agent = AgentProcess.Start(Temp.Path);
                }

                counts[what] = counts.GetValueOrDefault(what) + 1;
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 3000)));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        }

        TestContext.Progress.WriteLine($"soak: {clock.Elapsed.TotalMinutes:F1} min, {_written.Count} lines written, {_refused.Count} refused; " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        await WaitUntilAsync(() => AllStored(_written.Keys), "every line not refused stored", TimeSpan.FromMinutes(3));
        await WaitUntilAsync(() => _refused.Keys.All(RejectedLines().Contains), "every refused line set aside", TimeSpan.FromMinutes(1));
        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);
        agent.Dispose();

        var stored = StoredTexts();
        var twice = stored.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(twice, Is.Empty, "no line stored twice");
            Assert.That(stored.Count, Is.EqualTo(_written.Count), "every line written stored once, the refused ones excepted");
            Assert.That(stored.Where(_refused.ContainsKey), Is.Empty, "no refused line stored");
        });
    }

    /// <summary>Appends numbered lines to logs/app-N.log without pause; every 400th line is one the server refuses.</summary>
    private async Task WriteAsync(int writer, CancellationToken cancellationToken)
    {
        var path = AppPath(writer);
        var next = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_paused.ContainsKey(writer))
            {
                await Task.Delay(WritePace, CancellationToken.None);
                continue;
            }

            var lines = new List<string>(10);
            for (var i = 0; i < 10; i++, next++)
            {
                var text = $"w{writer} {next:D8}";
                if (next % 400 == 399)
                {
                    text = $"REFUSE {text}";
                    _faults.RefusedLines[text] = true;
                    _refused[text] = 0;
                }
                else
                {
                    _written[text] = 0;
                }

                lines.Add(text);
            }

            File.AppendAllLines(path, lines);
            await Task.Delay(WritePace, CancellationToken.None);
        }
    }

    private string AppPath(int writer) => Path.Combine(_logs, $"app-{writer}.log");

    /// <summary>Rename rotation, keeping every generation (a deleted unread file would lose its lines whoever reads it).</summary>
    private void Rotate(int writer, int generation)
    {
        _paused[writer] = 0;
        try
        {
            File.Move(AppPath(writer), AppPath(writer) + "." + generation.ToString(CultureInfo.InvariantCulture));
        }
        catch (FileNotFoundException)
        {
            // Nothing written since the last rotation.
        }
        finally
        {
            _paused.TryRemove(writer, out _);
        }
    }

    /// <summary>A short-lived file: written, read out, deleted.</summary>
    private async Task PodAsync(int pod)
    {
        var path = Path.Combine(_logs, $"pod-{pod}.log");
        var lines = Enumerable.Range(0, 50).Select(i => $"pod {pod} {i:D4}").ToList();
        lines.ForEach(l => _written[l] = 0);
        File.WriteAllLines(path, lines);
        await WaitUntilAsync(() => AllStored(lines), $"pod {pod} stored", TimeSpan.FromMinutes(2));
        File.Delete(path);
    }

    /// <summary>copytruncate done the safe way: the writer pauses, the agent reads the file out, then it is truncated.</summary>
    private async Task CopytruncateAsync(int writer)
    {
        _paused[writer] = 0;
        try
        {
            var path = AppPath(writer);
            if (!File.Exists(path))
            {
                return;
            }

            var lines = File.ReadAllLines(path).Where(_written.ContainsKey).ToList();
            await WaitUntilAsync(() => AllStored(lines), $"app-{writer}.log read out before its truncation", TimeSpan.FromMinutes(2));
            await using (new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
            }
        }
        finally
        {
            _paused.TryRemove(writer, out _);
        }
    }

    private bool AllStored(IEnumerable<string> lines)
    {
        var stored = StoredTexts().ToHashSet(StringComparer.Ordinal);
        return lines.All(stored.Contains);
    }

    /// <summary>Polls <paramref name="condition"/> every <see cref="CheckEvery"/> until it holds, failing after <paramref name="timeout"/>.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(CheckEvery);
        }
    }

    private HashSet<string> RejectedLines()
    {
        var path = Temp.Combine("state", RejectedLineFile.FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        return File.ReadAllLines(path)
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }
}
