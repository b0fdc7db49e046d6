using System.Text;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Collection.Formats;
using RlogAgent.Configuration;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>
/// Random CRI files with stdout and stderr interleaved, partial records, multi-byte characters and
/// small limits: nothing is lost, nothing is too long, and reading again from any event's
/// <see cref="AssembledEvent.ResumeOffset"/> (a restart after it was stored) ships again all the text
/// of the events after it; with one stream, the very same events
/// (after identical copies of those already shipped).
/// </summary>
[TestFixture]
public sealed class EventAssemblerReplayTests
{
    private const int MaxLineBytes = 48;

    [TestCase(false)]
    [TestCase(true)]
    public void Add_RandomInterleavedCriFile_InvariantsHoldAndResumeOffsetsReplayEveryLaterEvent(bool multiline)
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            var (content, messages) = RandomFile(new Random(seed));
            var first = Run(content, 0, multiline);

            foreach (var stream in new[] { LogIoStream.Stdout, LogIoStream.Stderr })
            {
                // Cuts and joins never add or lose a byte: the stream's text, without separators, is what was written.
                Assert.That(Joined(first, stream), Is.EqualTo(string.Concat(messages[stream])), $"seed {seed}, {stream}");
            }

            Assert.That(first.Select(e => e.Bytes.Length), Is.All.LessThanOrEqualTo(MaxLineBytes), $"seed {seed}");
            Assert.That(first.Select(e => e.Offset).Distinct().Count(), Is.EqualTo(first.Count), $"seed {seed}: offsets name events uniquely");
            Assert.That(first.Select(e => e.ResumeOffset), Is.Ordered, $"seed {seed}: resume offsets never go back");

            for (var k = 0; k < first.Count; k++)
            {
                // Records of the other stream already shipped after the resume offset are read again, and may
                // be grouped differently the second time (a duplicate, never a loss): what must hold is that
                // every stream's text not yet stored when event k was stored comes out again.
                var replay = Run(content, first[k].ResumeOffset, multiline);
                foreach (var stream in new[] { LogIoStream.Stdout, LogIoStream.Stderr })
                {
                    var notYetStored = Joined(first.Skip(k + 1), stream);
                    Assert.That(Joined(replay, stream), Does.EndWith(notYetStored), $"seed {seed}: resuming at {first[k].ResumeOffset} after event {k} loses {stream} text");
                }
            }
        }
    }

    [Test]
    public void Add_OneStreamOnly_ResumingAfterAnyEventGivesTheSameLaterEvents()
    {
        for (var seed = 1; seed <= 40; seed++)
        {
            var (content, _) = RandomFile(new Random(seed), streams: 1);
            var first = Run(content, 0, multiline: true);
            for (var k = 0; k < first.Count; k++)
            {
                // A record shipped in part (pieces at max_line_bytes) is read again whole: its pieces come out again,
                // the same, so the server's (file_id, offset) uniqueness drops them.
                var replay = Run(content, first[k].ResumeOffset, multiline: true).Select(e => (e.Offset, e.Text)).ToList();
                var later = first.Skip(k + 1).Select(e => (e.Offset, e.Text)).ToList();
                var again = replay.Take(replay.Count - later.Count).ToList();
                Assert.That(replay.Skip(again.Count), Is.EqualTo(later), $"seed {seed}, after event {k}");
                Assert.That(again, Is.SubsetOf(first.Take(k + 1).Select(e => (e.Offset, e.Text))), $"seed {seed}, after event {k}");
            }
        }
    }

    private static string Joined(IEnumerable<CollectedEvent> events, LogIoStream stream) =>
        string.Concat(events.Where(e => e.Stream == stream).Select(e => e.Text.Replace("\n", "", StringComparison.Ordinal)));

    private static List<CollectedEvent> Run(byte[] content, long from, bool multiline)
    {
        var options = multiline
            ? new MultilineOptions(MultilineOptions.CompileStartPattern("^[A-Z]"), 3, TimeSpan.FromSeconds(1))
            : null;
        var assembler = new EventAssembler(SourceFormat.Cri, MaxLineBytes, options, new FakeTimeProvider());
        var sink = new CollectingEventSink();
        RawLineFeeder.Feed(assembler, content.AsSpan((int)from).ToArray(), sink, from);
        assembler.Flush(sink);
        return sink.Events;
    }

    /// <summary>A CRI file and, per stream, the messages its records carry (partial ones included, in order).</summary>
    private static (byte[] Content, Dictionary<LogIoStream, List<string>> Messages) RandomFile(Random random, int streams = 2)
    {
        var words = new[] { "Error", "Start", "\tat frame", "  indented", "é", "😀", "ok", "x", "Boom: ", "" };
        var text = new StringBuilder();
        var messages = new Dictionary<LogIoStream, List<string>> { [LogIoStream.Stdout] = [], [LogIoStream.Stderr] = [] };
        var lines = random.Next(5, 40);
        for (var i = 0; i < lines; i++)
        {
            var stream = random.Next(streams) == 0 ? LogIoStream.Stdout : LogIoStream.Stderr;
            var message = string.Concat(Enumerable.Range(0, random.Next(0, 8)).Select(_ => words[random.Next(words.Length)]));
            var tag = random.Next(3) == 0 ? "P" : "F";
            messages[stream].Add(message);
            text.Append($"2026-11-28T07:00:{i % 60:00}.{i:000000000}Z {(stream == LogIoStream.Stdout ? "stdout" : "stderr")} {tag} {message}\n");
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), messages);
    }
}
