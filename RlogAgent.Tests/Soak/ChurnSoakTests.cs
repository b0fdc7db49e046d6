using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Soak;

/// <summary>
/// The promise under churn, for as long as asked (RLOG_SOAK_MINUTES, 10 by default): files written
/// without pause, rotated by rename, copytruncated (safely, and by a writer without O_APPEND that
/// leaves a hole of NUL bytes), short-lived files created and deleted, more files than
/// max_open_files, lines holding NUL bytes, two sources sharing one label, the server restarted and
/// refusing some lines now and then, the agent SIGKILLed and started again, sometimes with its
/// checkpoints lost. At the end every line written is stored exactly once, except the refused ones,
/// which are all in rejected.jsonl. Not run by CI (explicit): <c>dotnet pwsh ./build.ps1 soak</c>.
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
        Directory.CreateDirectory(_logs + "-b");
        WriteConfig();
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
                if (step < 30)
                {
                    what = "rotate";
                    Rotate(writer, ++rotations[writer]);
                }
                else if (step < 45)
                {
                    what = "pod";
                    await PodAsync(pods++);
                }
                else if (step < 55)
                {
                    what = "copytruncate";
                    await CopytruncateAsync(writer, leaveHole: false);
                }
                else if (step < 63)
                {
                    what = "copytruncate leaving a hole";
                    await CopytruncateAsync(writer, leaveHole: true);
                }
                else if (step < 73)
                {
                    // Settled first: a rotated file not yet read out would be lost with its checkpoint,
                    // as no pattern names it. Live files are read again from their start.
                    what = "agent SIGKILL, checkpoints lost";
                    var written = _written.Keys.ToList();
                    await WaitUntilAsync(() => AllStored(written), "everything written so far stored before the checkpoints go", TimeSpan.FromMinutes(2));
                    AgentProcess.Signal(agent.Id, SigKill);
                    await agent.WaitForExitAsync(ExitTimeout);
                    agent.Dispose();
                    File.Delete(Temp.Combine("state", RlogAgent.Collection.CheckpointStore.FileName));
                    agent = AgentProcess.Start(Temp.Path);
                }
                else if (step < 86)
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
                else if (next % 250 == 125)
                {
                    // Binary output: stored, each NUL as U+FFFD.
                    text += " bin\0ary";
                    _written[text.Replace('\0', '\uFFFD')] = 0;
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

    /// <summary>The last writer's files are in logs-b, read by a second source with the same label.</summary>
    private string AppPath(int writer) => Path.Combine(writer == Writers - 1 ? _logs + "-b" : _logs, $"app-{writer}.log");

    private void WriteConfig()
    {
        var path = Temp.Combine("config", "agent.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            server_addr: {Server.Address}
            project_key: {TestServer.ProjectKey}
            flush_interval: 0.2
            heartbeat_interval: 0.2
            poll_interval: 0.05
            read_from: beginning
            max_open_files: 6
            rotate_wait: 0.5
            log_level: warning
            sources:
              - label: app
                path: {Path.Combine(_logs, "*.log")}
              - label: app
                path: {Path.Combine(_logs + "-b", "*.log")}
            """);
    }

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

    /// <summary>
    /// copytruncate done the safe way: the writer pauses, the agent reads the file out, then it is
    /// truncated. With <paramref name="leaveHole"/> the writer did not open with O_APPEND: it goes on
    /// at the offset it had, and the file starts with a hole of NUL bytes that long.
    /// </summary>
    private async Task CopytruncateAsync(int writer, bool leaveHole)
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
            var length = new FileInfo(path).Length;
            await using (var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
                if (leaveHole)
                {
                    var after = Enumerable.Range(0, 5).Select(i => $"hole {writer} {length} {i}").ToList();
                    after.ForEach(l => _written[l] = 0);
                    file.Seek(length, SeekOrigin.Begin);
                    file.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(after.Select(l => l + "\n"))));
                }
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
