using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Collection;

/// <summary>
/// One source on its own, with real files in a temp folder and a writer that keeps what it is
/// given: which files it reads, new files as they appear, the open-file limit (the idlest file
/// closed for room and reopened by identity), and two sources never reading one file twice.
/// </summary>
[TestFixture]
public sealed class SourceCollectorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TempFolder _temp = null!;
    private CheckpointStore _checkpoints = null!;
    private AgentCounters _counters = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        Directory.CreateDirectory(_temp.Combine("logs"));
        _checkpoints = CheckpointStore.Load(_temp.Combine("state"), NullLogger.Instance, TimeProvider.System);
        _counters = new AgentCounters();
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task RunAsync_ReadsEveryMatchingFile_ThenNewOnesAsTheyAppear_EachLineOnce()
    {
        File.WriteAllLines(_temp.Combine("logs", "a.log"), ["a 1", "a 2"]);
        File.WriteAllLines(_temp.Combine("logs", "b.log"), ["b 1"]);
        File.WriteAllLines(_temp.Combine("logs", "skip.txt"), ["not matched"]);
        var writer = new KeepingWriter();
        using var stop = new CancellationTokenSource();
        using var collector = Collector(writer, "*.log");

        var running = collector.RunAsync(stop.Token);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 3, "the existing files' lines", Timeout);
        File.WriteAllLines(_temp.Combine("logs", "c.log"), ["c 1", "c 2"]);
        File.AppendAllLines(_temp.Combine("logs", "a.log"), ["a 3"]);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 6, "the new file's and the appended lines", Timeout);
        await stop.CancelAsync();
        await running.WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(writer.Lines.Select(l => l.Text), Is.EquivalentTo(new[] { "a 1", "a 2", "a 3", "b 1", "c 1", "c 2" }));
            Assert.That(writer.Lines.Where(l => l.Text.StartsWith("a ", StringComparison.Ordinal)).Select(l => l.Text), Is.EqualTo(new[] { "a 1", "a 2", "a 3" }), "a file's lines in order");
            Assert.That(writer.Lines.Select(l => l.Source), Is.All.StartWith(_temp.Combine("logs")));
            Assert.That(writer.Lines.Select(l => l.Label), Is.All.EqualTo("app"));
        });
    }

    [Test]
    public async Task RunAsync_OneOpenFileAllowed_ClosesTheIdleFileForRoom_AndReopensItWhenItGrows()
    {
        File.WriteAllLines(_temp.Combine("logs", "first.log"), ["first 1"]);
        var writer = new KeepingWriter();
        using var stop = new CancellationTokenSource();
        var limit = new OpenFileLimit(1);
        using var collector = Collector(writer, "*.log", limit);
        var mostOpen = 0;
        using var sampler = new Timer(_ => mostOpen = Math.Max(mostOpen, limit.Open), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(5));

        var running = collector.RunAsync(stop.Token);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 1, "the first file", Timeout);
        File.WriteAllLines(_temp.Combine("logs", "second.log"), ["second 1"]);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 2, "the second file, the first closed for room", Timeout);
        File.AppendAllLines(_temp.Combine("logs", "first.log"), ["first 2"]);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 3, "the first file reopened by identity once it grew", Timeout);
        await stop.CancelAsync();
        await running.WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(writer.Lines.Select(l => l.Text), Is.EqualTo(new[] { "first 1", "second 1", "first 2" }), "each line once");
            Assert.That(mostOpen, Is.EqualTo(1), "never more than max_open_files handles");
        });
    }

    [Test]
    public async Task RunAsync_TwoSourcesMatchingOneFile_OnlyOneReadsIt()
    {
        File.WriteAllLines(_temp.Combine("logs", "shared.log"), ["shared 1", "shared 2"]);
        var writer = new KeepingWriter();
        var claims = new FileClaims();
        using var stop = new CancellationTokenSource();
        using var first = Collector(writer, "*.log", claims: claims, label: "first");
        using var second = Collector(writer, "shared.*", claims: claims, label: "second");

        var runs = new[] { first.RunAsync(stop.Token), second.RunAsync(stop.Token) };
        await Eventually.WaitAsync(() => writer.Lines.Count >= 2, "the file's lines", Timeout);
        File.AppendAllLines(_temp.Combine("logs", "shared.log"), ["shared 3"]);
        await Eventually.WaitAsync(() => writer.Lines.Count >= 3, "the appended line", Timeout);
        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(writer.Lines.Select(l => l.Text), Is.EqualTo(new[] { "shared 1", "shared 2", "shared 3" }), "each line once");
            Assert.That(writer.Lines.Select(l => l.Label).Distinct().Count(), Is.EqualTo(1), "by one source");
        });
    }

    private SourceCollector Collector(KeepingWriter writer, string pattern, OpenFileLimit? limit = null, FileClaims? claims = null, string label = "app")
    {
        var options = new AgentOptions
        {
            ReadFrom = ReadFrom.Beginning,
            PollInterval = TimeSpan.FromSeconds(0.05),
            RotateWait = TimeSpan.FromSeconds(0.2),
            StateDir = _temp.Combine("state"),
        };
        var source = new SourceOptions { Label = label, Path = _temp.Combine("logs", pattern) };
        return new SourceCollector(source, options, _checkpoints, writer, limit ?? new OpenFileLimit(16), claims ?? new FileClaims(), _counters, NullLogger.Instance, TimeProvider.System);
    }

    /// <summary>Keeps the text of every line it is given, then releases the chunk.</summary>
    private sealed class KeepingWriter : IChunkWriter
    {
        private readonly ConcurrentQueue<(string Label, string Source, string Text)> _lines = new();

        public IReadOnlyList<(string Label, string Source, string Text)> Lines => _lines.ToArray();

        public ValueTask WriteAsync(LineChunk chunk, CancellationToken cancellationToken)
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                _lines.Enqueue((chunk.Origin.Label, chunk.Origin.Source, Encoding.UTF8.GetString(chunk.Text(i))));
            }

            chunk.Release();
            return ValueTask.CompletedTask;
        }

        public ValueTask OnCaughtUpAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
