using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection;
using RlogAgent.Configuration;

namespace RlogAgent.Benchmarks;

/// <summary>
/// What a source's format costs per line, reading the same 100,000 standard lines from the first byte
/// into chunks: plain (the fast path), plain with a multi-line rule (every line starts an event, the
/// worst case for the joiner), the lines as containerd (CRI) records, and as Docker json-file records.
/// </summary>
[MemoryDiagnoser]
public class EventFormatBenchmarks
{
    public const int Lines = 100_000;

    private string _folder = "";
    private string _plain = "";
    private string _cri = "";
    private string _docker = "";

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("rlog-bench-").FullName;
        _plain = Path.Combine(_folder, "plain.log");
        _cri = Path.Combine(_folder, "cri.log");
        _docker = Path.Combine(_folder, "docker.log");
        StandardLog.Write(_plain, Lines);
        var random = new Random(1);
        using var cri = new StreamWriter(_cri, append: false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        using var docker = new StreamWriter(_docker, append: false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        for (var i = 0; i < Lines; i++)
        {
            var line = StandardLog.Line(i, random);
            var time = new DateTime(2026, 11, 28, 7, 0, 0, DateTimeKind.Utc).AddTicks(i * 1234L).ToString("yyyy-MM-ddTHH:mm:ss.fffffff00Z", CultureInfo.InvariantCulture);
            cri.WriteLine($"{time} stdout F {line}");
            docker.WriteLine($"{{\"log\":\"{line}\\n\",\"stream\":\"stdout\",\"time\":\"{time}\"}}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    [Benchmark(OperationsPerInvoke = Lines, Baseline = true, Description = "plain")]
    public int Plain() => ReadAll(_plain, EventReading.Plain);

    [Benchmark(OperationsPerInvoke = Lines, Description = "plain + multiline (every line starts an event)")]
    public int PlainMultiline() => ReadAll(_plain, new EventReading(SourceFormat.Plain, new MultilineOptions(MultilineOptions.CompileStartPattern(@"^\d{4}-\d{2}-\d{2}T"), 500, TimeSpan.FromSeconds(1)), []));

    [Benchmark(OperationsPerInvoke = Lines, Description = "cri")]
    public int Cri() => ReadAll(_cri, new EventReading(SourceFormat.Cri, null, []));

    [Benchmark(OperationsPerInvoke = Lines, Description = "docker")]
    public int Docker() => ReadAll(_docker, new EventReading(SourceFormat.Docker, null, []));

    private int ReadAll(string path, EventReading reading)
    {
        var checkpoints = CheckpointStore.Load(Path.Combine(_folder, "state-" + Guid.NewGuid().ToString("N")), NullLogger.Instance, TimeProvider.System);
        using var tailer = FileTailer.Open("bench", path, checkpoints, startAtEnd: false, maxLineBytes: 1024 * 1024, NullLogger.Instance, TimeProvider.System, reading);
        var events = 0;
        while (tailer.Read(out var chunk) > 0)
        {
            if (chunk is not null)
            {
                events += chunk.Count;
                chunk.Release();
            }
        }

        tailer.FlushHeldLine(out var last);
        if (last is not null)
        {
            events += last.Count;
            last.Release();
        }

        return events;
    }
}
