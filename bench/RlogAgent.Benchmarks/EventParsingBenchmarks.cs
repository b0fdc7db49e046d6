using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RlogAgent.Collection.Parsing;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Benchmarks;

/// <summary>
/// Where an event's processing time goes: each stage alone on the same 10,000 standard lines (as
/// text, and as genlog.py's JSON shape), per event, with what it allocates. The chunk is built once;
/// a stage that rewrites entries (redact) works on a fresh copy each time.
/// </summary>
[MemoryDiagnoser]
public class EventParsingBenchmarks
{
    public const int Events = 10_000;

    private static readonly string[] Levels = ["INFO", "WARN", "DEBUG", "ERROR"];

    private byte[][] _plain = [];
    private byte[][] _json = [];
    private LineChunk _plainChunk = null!;
    private LineChunk _jsonChunk = null!;
    private EventProcessor _jsonTimeLevel = null!;
    private EventProcessor _jsonFields = null!;
    private EventProcessor _logfmt = null!;
    private EventProcessor _regex = null!;
    private EventProcessor _regexBacktracking = null!;
    private EventProcessor _regexDotNet = null!;
    private EventProcessor _detect = null!;
    private EventProcessor _drop = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _plain = new byte[Events][];
        _json = new byte[Events][];
        for (var i = 0; i < Events; i++)
        {
            _plain[i] = Encoding.UTF8.GetBytes(StandardLog.Line(i, random));
            _json[i] = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$"""{"ts":"2026-11-24T22:{{i / 60000 % 60:00}}:{{i / 1000 % 60:00}}.{{i % 1000:000}}Z","level":"{{Levels[i % 4]}}","worker":"worker-{{i % 16}}","msg":"request handled","path":"/api/v1/items/{{random.Next(1, 100000)}}","status":200,"latency_ms":{{random.Next(1, 901)}},"seq":{{i}}}"""));
        }

        _plainChunk = Chunk(_plain);
        _jsonChunk = Chunk(_json);
        _jsonTimeLevel = Processor(new SourceOptions { Label = "b", Parse = new ParseOptions { Format = ParseFormat.Json } });
        _jsonFields = Processor(new SourceOptions { Label = "b", Parse = new ParseOptions { Format = ParseFormat.Json, Fields = ["*"] } });
        _logfmt = Processor(new SourceOptions { Label = "b", Parse = new ParseOptions { Format = ParseFormat.Logfmt, Fields = ["path", "status"] } });
        _regex = Processor(new SourceOptions
        {
            Label = "b",
            Parse = new ParseOptions { Format = ParseFormat.Regex, Pattern = UserPattern.Compile(@"^(?<time>\S+) (?<level>\w+) \[(?<worker>[^\]]+)\] (?<msg>.*)$") },
        });
        _regexBacktracking = Processor(new SourceOptions
        {
            Label = "b",
            Parse = new ParseOptions { Format = ParseFormat.Regex, Pattern = UserPattern.CompileForGroups(@"^(?<time>\S+) (?<level>\w+) \[(?<worker>[^\]]+)\] (?<msg>.*)$") },
        });
        _regexDotNet = Processor(new SourceOptions
        {
            Label = "b",

            // ExplicitCapture changes nothing for a pattern of named groups, but AsciiPattern runs
            // only CultureInvariant patterns: this one goes to .NET's interpreter.
            Parse = new ParseOptions
            {
                Format = ParseFormat.Regex,
                Pattern = new Regex(@"^(?<time>\S+) (?<level>\w+) \[(?<worker>[^\]]+)\] (?<msg>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, UserPattern.MatchTimeout),
            },
        });
        _detect = Processor(new SourceOptions { Label = "b", DetectLevel = true });
        _drop = Processor(new SourceOptions { Label = "b", Drop = [UserPattern.Compile("GET /healthz")] });
    }

    [Benchmark(OperationsPerInvoke = Events, Baseline = true, Description = "json: time + level")]
    public int JsonTimeLevel() => Run(_jsonTimeLevel, _jsonChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "json: time + level + fields *")]
    public int JsonAllFields() => Run(_jsonFields, _jsonChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "logfmt (plain lines: key=value tail)")]
    public int Logfmt() => Run(_logfmt, _plainChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "regex on the non-backtracking engine (not used for parse)")]
    public int Regex() => Run(_regex, _plainChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "regex: time, level, worker, msg (as parse.pattern runs: AsciiPattern)")]
    public int RegexBacktracking() => Run(_regexBacktracking, _plainChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "regex: the same on .NET's engine (a pattern AsciiPattern does not run)")]
    public int RegexDotNet() => Run(_regexDotNet, _plainChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "detect_level")]
    public int DetectLevel() => Run(_detect, _plainChunk);

    [Benchmark(OperationsPerInvoke = Events, Description = "drop (no match, NonBacktracking)")]
    public int Drop() => Run(_drop, _plainChunk);

    private static int Run(EventProcessor processor, LineChunk chunk)
    {
        processor.Process(chunk);
        return chunk.Count;
    }

    private static EventProcessor Processor(SourceOptions source) => new(source, new AgentCounters(), NullLogger.Instance, TimeProvider.System);

    private static LineChunk Chunk(byte[][] lines)
    {
        var chunk = new LineChunk(new LineOrigin("b", "/b.log", "f"), lines.Sum(l => l.Length), DateTime.UtcNow, lines.Length);
        var at = 0;
        long offset = 0;
        foreach (var line in lines)
        {
            line.CopyTo(chunk.Buffer, at);
            chunk.Add(new LineEntry { Start = at, Length = line.Length, Offset = offset, NextOffset = offset + line.Length + 1 });
            at += line.Length;
            offset += line.Length + 1;
        }

        chunk.ValidateUtf8(0, at);
        return chunk;
    }
}
