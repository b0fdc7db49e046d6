using System.Text;
using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class DockerJsonRecordDecoderTests
{
    private static readonly RecordTimestamp SevenOClock = new(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), 123_456_789);

    private readonly DockerJsonRecordDecoder _decoder = new();

    [Test]
    public void TryDecode_CompleteRecord_MessageWithoutItsNewline()
    {
        var line = """{"log":"hello\n","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}""";

        var (message, time, stream, partial) = Decode(line)!.Value;

        Assert.That(message, Is.EqualTo("hello"));
        Assert.That(time, Is.EqualTo(SevenOClock));
        Assert.That(stream, Is.EqualTo(LogIoStream.Stdout));
        Assert.That(partial, Is.False);
    }

    [Test]
    public void TryDecode_KeysInAnyOrderWithAttrsAndExtraKeys_ExtrasSkipped()
    {
        var line = """ {"time":"2026-11-28T07:00:00.123456789Z", "attrs":{"tag":"web","nested":[1,{"a":null}]}, "stream":"stderr", "extra":true, "log":"boom\n"} """;

        var (message, time, stream, partial) = Decode(line)!.Value;

        Assert.That(message, Is.EqualTo("boom"));
        Assert.That(time, Is.EqualTo(SevenOClock));
        Assert.That(stream, Is.EqualTo(LogIoStream.Stderr));
        Assert.That(partial, Is.False);
    }

    [Test]
    public void TryDecode_LogWithoutFinalNewline_Partial()
    {
        var line = """{"log":"first 16 KiB of a long line","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}""";

        var (message, _, _, partial) = Decode(line)!.Value;

        Assert.That(message, Is.EqualTo("first 16 KiB of a long line"));
        Assert.That(partial, Is.True);
    }

    [Test]
    public void TryDecode_Escapes_Unescaped()
    {
        var line = """{"log":"say \"hi\"\tC:\\temp \/ caf\u00e9 \ud83d\ude00 raw é\u0000end\n","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}""";

        Assert.That(Decode(line)!.Value.Message, Is.EqualTo("say \"hi\"\tC:\\temp / café \U0001F600 raw é\0end"));
    }

    [Test]
    public void TryDecode_EmbeddedNewlinesAndCrLf_OnlyTheFinalNewlineGoes()
    {
        var line = """{"log":"line one\nline two\r\n","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}""";

        Assert.That(Decode(line)!.Value.Message, Is.EqualTo("line one\nline two\r"), "the \\r goes when the record is joined (EventAssembler)");
    }

    [Test]
    public void TryDecode_LoneSurrogateEscape_ReplacementCharacter()
    {
        var line = """{"log":"a\ud800b\udc00c\n","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}""";

        Assert.That(Decode(line)!.Value.Message, Is.EqualTo("a\uFFFDb\uFFFDc"));
    }

    [Test]
    public void TryDecode_InvalidUtf8InsideTheLog_BytesKeptAsReadForTheReplacementLater()
    {
        var line = Encoding.UTF8.GetBytes("""{"log":"a#b\n","stream":"stdout"}""");
        line[Array.IndexOf(line, (byte)'#')] = 0xFF;

        var parsed = _decoder.TryDecode(line, out var record);

        Assert.That(parsed, Is.True);
        Assert.That(record.Message.ToArray(), Is.EqualTo(new byte[] { 0x61, 0xFF, 0x62 }));
    }

    [Test]
    public void TryDecode_NoTimeNoStream_ParsedWithNeither()
    {
        var (message, time, stream, _) = Decode("""{"log":"bare\n"}""")!.Value;

        Assert.That(message, Is.EqualTo("bare"));
        Assert.That(time, Is.Null);
        Assert.That(stream, Is.EqualTo(LogIoStream.None));
    }

    [TestCase("")]
    [TestCase("hello world")]
    [TestCase("""{"log":"truncated mid-stri""")]
    [TestCase("""{"log":"hello\n","stream":"stdout","time":"2026-11-28T07:00:00Z" """)]
    [TestCase("""{"stream":"stdout","time":"2026-11-28T07:00:00Z"}""")]
    [TestCase("""{"log":42,"stream":"stdout","time":"2026-11-28T07:00:00Z"}""")]
    [TestCase("""{"log":"x\n","stream":1,"time":"2026-11-28T07:00:00Z"}""")]
    [TestCase("""{"log":"x\n","stream":"stdout","time":"yesterday"}""")]
    [TestCase("""{"log":"x\n","stream":"stdout","time":"2026-11-28T07:00:00"}""")]
    [TestCase("""{"log":"x\n","stream":"stdout","time":12345}""")]
    [TestCase("""{"log":"a\n"}{"log":"b\n"}""")]
    [TestCase("""{"log":"a\n"} trailing""")]
    [TestCase("""{"log":"bad \x escape\n"}""")]
    [TestCase("""{"log":"short \u12 escape\n"}""")]
    [TestCase("""["log","x"]""")]
    [TestCase("""{"log":"x\n",}""")]
    [TestCase("{\"log\":\"raw\ttab\\n\"}")]
    public void TryDecode_NotADockerRecord_FalseWithoutThrowing(string line)
    {
        Assert.That(_decoder.TryDecode(Encoding.UTF8.GetBytes(line), out _), Is.False);
    }

    [Test]
    public void TryDecode_SecondRecordWithoutEscapes_NotAffectedByTheFirstOnesBuffer()
    {
        Assert.That(Decode("""{"log":"escaped \u00e9 long enough to fill the buffer\n"}""")!.Value.Message, Is.EqualTo("escaped é long enough to fill the buffer"));
        Assert.That(Decode("""{"log":"plain\n"}""")!.Value.Message, Is.EqualTo("plain"));
    }

    private (string Message, RecordTimestamp? Time, LogIoStream Stream, bool Partial)? Decode(string line)
    {
        if (!_decoder.TryDecode(Encoding.UTF8.GetBytes(line), out var record))
        {
            return null;
        }

        return (Encoding.UTF8.GetString(record.Message), record.Time, record.Stream, record.IsPartial);
    }
}
