using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using RlogAgent.Common;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// What a source does to each event before it leaves the host, in this order: <c>drop</c> (a match is
/// marked dropped: not shipped, but its offset is confirmed with its neighbours, so it is never read
/// again), <c>redact</c> (the text is replaced in the chunk, so the wire, the parser and
/// <c>rejected.jsonl</c> see only the redacted text), then <c>parse</c> or <c>detect_level</c> (the
/// event's time, level and fields). An event that does not parse keeps its read time, is shipped as
/// usual and is counted; one log line a minute at most per source says why, with an example.
/// Not thread-safe: a source's <see cref="EventProcessingStage"/> gives each of its workers its own,
/// and they share one <see cref="FailureReportGate"/>.
/// </summary>
public sealed class EventProcessor
{
    /// <summary>At most one log line per source in this time says why events did not parse.</summary>
    public static readonly TimeSpan FailureReportInterval = TimeSpan.FromMinutes(1);

    /// <summary>What a redaction that timed out leaves of the event: better no text than a secret.</summary>
    public const string RedactionTimedOut = "[rlog: redaction timed out; event text withheld]";

    private const int MaxLevelTexts = 64;
    private const int ExampleChars = 200;

    private readonly SourceOptions _source;
    private readonly IEventParser? _parser;
    private readonly AgentCounters _counters;
    private readonly ILogger _logger;
    private readonly FailureReportGate _failureReports;
    private readonly Regex[] _drop;
    private readonly RedactRule[] _redact;
    private readonly ParsedEvent _parsed = new();
    private readonly List<(byte[] Utf8, string Text)> _levelTexts = [];
    private char[] _chars = [];

    /// <param name="source">The source's settings: its drop and redact rules, parse and detect_level.</param>
    /// <param name="counters">Where dropped events and parse failures are counted.</param>
    /// <param name="logger">Where a failure to parse is reported, once a minute at most.</param>
    /// <param name="time">The clock of the default <paramref name="failureReports"/>.</param>
    /// <param name="failureReports">Shared by the source's processors; by default this processor's own, driven by <paramref name="time"/>.</param>
    public EventProcessor(SourceOptions source, AgentCounters counters, ILogger logger, TimeProvider time, FailureReportGate? failureReports = null)
    {
        _source = source;
        _counters = counters;
        _logger = logger;
        _failureReports = failureReports ?? new FailureReportGate(time, FailureReportInterval);

        // Copies of their own: a source's processors run on several threads at once.
        _drop = [.. source.Drop.Select(UserPattern.CopyForThread)];
        _redact = [.. source.Redact.Select(r => r with { Pattern = UserPattern.CopyForThread(r.Pattern) })];
        _parser = source.Parse switch
        {
            null => null,
            { Format: ParseFormat.Json } p => new JsonEventParser(p),
            { Format: ParseFormat.Logfmt } p => new LogfmtEventParser(p),
            var p => new RegexEventParser(p),
        };
    }

    /// <summary>Drops, redacts and parses the chunk's events in place.</summary>
    public void Process(LineChunk chunk)
    {
        for (var i = 0; i < chunk.Count; i++)
        {
            if (_drop.Length > 0 || _redact.Length > 0)
            {
                var text = Chars(chunk.Text(i));
                if (Drops(text))
                {
                    chunk.Entry(i).Dropped = true;
                    _counters.AddEventDropped(_source.Label);
                    continue;
                }

                if (Redact(text) is { } redacted)
                {
                    chunk.ReplaceText(i, Encoding.UTF8.GetBytes(redacted));
                }
            }

            if (_parser is null && !_source.DetectLevel)
            {
                continue;
            }

            _parsed.Reset();
            if (_parser is not null)
            {
                _parser.Parse(chunk.Text(i), _parsed);
            }
            else
            {
                LevelDetector.Detect(chunk.Text(i), _parsed);
            }

            Apply(chunk, i);
        }
    }

    private void Apply(LineChunk chunk, int index)
    {
        if (_parsed.Failure is { } failure)
        {
            _counters.AddParseFailure(_source.Label);
            ReportFailure(failure, chunk.Text(index));
        }

        var attributes = _parsed.Attributes.Take();
        if (_parsed.TimeTicks == 0 && _parsed.Severity == 0 && attributes is null)
        {
            return;
        }

        ref var entry = ref chunk.Entry(index);
        if (_parsed.TimeTicks != 0)
        {
            entry.TimeTicks = _parsed.TimeTicks;
        }

        if (_parsed.Severity != 0)
        {
            entry.Severity = _parsed.Severity;
            entry.SeverityText = LevelText(_parsed.LevelText);
        }

        chunk.SetAttributes(index, attributes);
    }

    private bool Drops(ReadOnlySpan<char> text)
    {
        foreach (var pattern in _drop)
        {
            try
            {
                if (pattern.IsMatch(text))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Not known to match: the event is kept.
            }
        }

        return false;
    }

    /// <summary>The redacted text, or null when no rule matched.</summary>
    private string? Redact(ReadOnlySpan<char> text)
    {
        string? result = null;
        foreach (var rule in _redact)
        {
            try
            {
                if (result is null)
                {
                    if (!rule.Pattern.IsMatch(text))
                    {
                        continue;
                    }

                    result = text.ToString();
                }

                result = rule.Pattern.Replace(result, rule.Replace);
            }
            catch (RegexMatchTimeoutException)
            {
                _counters.AddParseFailure(_source.Label);
                return RedactionTimedOut;
            }
        }

        return result;
    }

    /// <summary>The event as UTF-16, in a buffer reused from event to event.</summary>
    private ReadOnlySpan<char> Chars(ReadOnlySpan<byte> utf8)
    {
        var most = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        if (_chars.Length < most)
        {
            _chars = new char[Math.Max(most, 256)];
        }

        return _chars.AsSpan(0, Encoding.UTF8.GetChars(utf8, _chars));
    }

    /// <summary>The level as written, as one shared string per spelling (no string per event).</summary>
    private string LevelText(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, text) in _levelTexts)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return text;
            }
        }

        var made = Encoding.UTF8.GetString(utf8);
        if (_levelTexts.Count < MaxLevelTexts)
        {
            _levelTexts.Add((utf8.ToArray(), made));
        }

        return made;
    }

    private void ReportFailure(string failure, ReadOnlySpan<byte> text)
    {
        if (!_failureReports.TryEnter())
        {
            return;
        }

        var example = Encoding.UTF8.GetString(text[..Math.Min(text.Length, ExampleChars * 3)]);
        if (example.Length > ExampleChars)
        {
            example = example[..ExampleChars] + "…";
        }

        CollectionLog.ParseFailed(_logger, _source.Label, _source.Parse?.Format.ToString().ToLowerInvariant() ?? "detect_level", failure, example.ReplaceLineEndings(" "));
    }
}
