using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>
/// The assembler runs for every line of every container file: once its buffers have grown, a line costs
/// no allocation. The throughput case is explicit (a measurement, not a check): run it by name.
/// </summary>
[TestFixture]
public sealed class EventAssemblerAllocationTests
{
    [TestCase(SourceFormat.Cri, false)]
    [TestCase(SourceFormat.Cri, true)]
    [TestCase(SourceFormat.Docker, false)]
    [TestCase(SourceFormat.Docker, true)]
    [TestCase(SourceFormat.Plain, true)]
    public void Add_SteadyState_AllocatesNothingPerLine(SourceFormat format, bool multiline)
    {
        var lines = SampleLines(format);
        var assembler = New(format, multiline, out var clock);
        var sink = new CountingEventSink();
        Feed(assembler, lines, sink, clock, rounds: 50);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Feed(assembler, lines, sink, clock, rounds: 200);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"{allocated} bytes for {200 * lines.Count} lines");
        Assert.That(sink.Events, Is.Positive);
    }

    [TestCase(SourceFormat.Cri, false)]
    [TestCase(SourceFormat.Docker, false)]
    [TestCase(SourceFormat.Docker, true)]
    [TestCase(SourceFormat.Plain, true)]
    [Explicit("a measurement: run by name, in Release")]
    public void Add_Throughput_Measured(SourceFormat format, bool multiline)
    {
        var lines = SampleLines(format);
        var bytesPerRound = lines.Sum(l => l.Length + 1);
        var assembler = New(format, multiline, out var clock);
        var sink = new CountingEventSink();
        // Long enough for tiered compilation to replace the first code, even on a busy machine.
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(2))
        {
            Feed(assembler, lines, sink, clock, rounds: 1_000);
        }

        const int Rounds = 40_000;
        var watch = Stopwatch.StartNew();
        Feed(assembler, lines, sink, clock, rounds: Rounds);
        watch.Stop();

        var lineCount = (double)Rounds * lines.Count;
        TestContext.Out.WriteLine(
            $"{format}{(multiline ? "+multiline" : "")}: {lineCount / watch.Elapsed.TotalSeconds / 1e6:F2} M lines/s, "
            + $"{(double)Rounds * bytesPerRound / watch.Elapsed.TotalSeconds / (1 << 20):F0} MiB/s, {watch.Elapsed.TotalNanoseconds / lineCount:F0} ns/line");
    }

    private static EventAssembler New(SourceFormat format, bool multiline, out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider();
        var options = multiline
            ? new MultilineOptions(MultilineOptions.CompileStartPattern(@"^(?!\s|Caused by: )"), MultilineOptions.DefaultMaxLines, MultilineOptions.DefaultTimeout)
            : null;
        return new EventAssembler(format, 1024 * 1024, options, clock);
    }

    private static void Feed(EventAssembler assembler, List<byte[]> lines, IEventSink sink, FakeTimeProvider clock, int rounds)
    {
        long offset = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var line in lines)
            {
                assembler.Add(line, offset, offset + line.Length + 1, sink);
                offset += line.Length + 1;
            }

            assembler.EmitExpired(sink);
        }

        clock.Advance(TimeSpan.FromSeconds(2));
        assembler.EmitExpired(sink);
    }

    /// <summary>A web request log line, a stack trace of 4 lines, and a line split in two records.</summary>
    private static List<byte[]> SampleLines(SourceFormat format)
    {
        var messages = new (string Text, string Stream, bool Partial)[]
        {
            ("10.0.0.7 - - [28/Nov/2026:07:00:00 +0000] \"GET /api/v1/orders?page=2 HTTP/1.1\" 200 5123 \"-\" \"curl/8.5.0\"", "stdout", false),
            ("Exception in thread \"main\" java.lang.IllegalStateException: boom \"quoted\"", "stderr", false),
            ("\tat com.example.orders.OrderService.place(OrderService.java:142)", "stderr", false),
            ("Caused by: java.io.IOException: disk full", "stderr", false),
            ("\t... 3 more", "stderr", false),
            ("{\"level\":\"info\",\"msg\":\"caf\u00e9 order placed\",\"order\":", "stdout", true),
            ("12345,\"total\":99.5}", "stdout", false),
        };
        return messages.Select(m => Encoding.UTF8.GetBytes(format switch
        {
            SourceFormat.Cri => $"2026-11-28T07:00:00.123456789Z {m.Stream} {(m.Partial ? "P" : "F")} {m.Text}",
            SourceFormat.Docker => $"{{\"log\":\"{Escape(m.Text)}{(m.Partial ? "" : "\\n")}\",\"stream\":\"{m.Stream}\",\"time\":\"2026-11-28T07:00:00.123456789Z\"}}",
            _ => m.Text,
        })).ToList();
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
