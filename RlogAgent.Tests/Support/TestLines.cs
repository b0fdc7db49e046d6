using System.Text;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Support;

/// <summary>Builds <see cref="LineChunk"/>s from lines written as strings, and reads chunks back as lines.</summary>
public static class TestLines
{
    /// <summary>One chunk per run of lines with the same label, source, file_id and read time, in order.</summary>
    public static LineChunk[] Chunks(IEnumerable<LogLine> lines)
    {
        var chunks = new List<LineChunk>();
        foreach (var run in Runs(lines.ToList()))
        {
            var first = run[0];
            var texts = run.Select(l => Encoding.UTF8.GetBytes(l.Text)).ToList();
            var chunk = new LineChunk(new LineOrigin(first.Label, first.Source, first.FileId), texts.Sum(t => t.Length), first.ReadAtUtc, run.Count);
            var at = 0;
            for (var i = 0; i < run.Count; i++)
            {
                texts[i].CopyTo(chunk.Buffer, at);
                chunk.Add(new LineEntry { Start = at, Length = texts[i].Length, Offset = run[i].Offset, NextOffset = run[i].NextOffset });
                at += texts[i].Length;
            }

            chunk.ValidateUtf8(0, at);
            chunks.Add(chunk);
        }

        return chunks.ToArray();
    }

    /// <summary>The chunk's lines, their text decoded as the server would (invalid bytes as U+FFFD).</summary>
    public static List<LogLine> Of(LineChunk chunk)
    {
        var lines = new List<LogLine>(chunk.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            var entry = chunk[i];
            var time = entry.TimeTicks == 0 ? chunk.ReadAtUtc : new DateTime(DateTime.UnixEpoch.Ticks + entry.TimeTicks, DateTimeKind.Utc);
            lines.Add(new LogLine(chunk.Origin.Label, Encoding.UTF8.GetString(chunk.Text(i)), time, chunk.Origin.Source, chunk.Origin.FileId, entry.Offset, entry.NextOffset));
        }

        return lines;
    }

    private static IEnumerable<List<LogLine>> Runs(List<LogLine> lines)
    {
        var run = new List<LogLine>();
        foreach (var line in lines)
        {
            if (run.Count > 0 && (run[0].Label != line.Label || run[0].Source != line.Source || run[0].FileId != line.FileId || run[0].ReadAtUtc != line.ReadAtUtc))
            {
                yield return run;
                run = [];
            }

            run.Add(line);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }
}
