using System.Text;
using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class CriRecordDecoderTests
{
    private readonly CriRecordDecoder _decoder = new();

    [Test]
    public void TryDecode_FullStdoutRecord_GivesMessageTimeAndStream()
    {
        var line = "2026-11-28T07:00:00.123456789Z stdout F hello world"u8;

        Assert.That(_decoder.TryDecode(line, out var record), Is.True);
        Assert.That(Encoding.UTF8.GetString(record.Message), Is.EqualTo("hello world"));
        Assert.That(record.Stream, Is.EqualTo(LogIoStream.Stdout));
        Assert.That(record.IsPartial, Is.False);
        Assert.That(record.Time, Is.EqualTo(new RecordTimestamp(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), 123_456_789)));
    }

    [Test]
    public void TryDecode_PartialStderrRecordWithOffsetTime_Partial()
    {
        var line = "2026-11-28T08:00:00.5+01:00 stderr P first half "u8;

        Assert.That(_decoder.TryDecode(line, out var record), Is.True);
        Assert.That(Encoding.UTF8.GetString(record.Message), Is.EqualTo("first half "), "the message keeps its spaces");
        Assert.That(record.Stream, Is.EqualTo(LogIoStream.Stderr));
        Assert.That(record.IsPartial, Is.True);
        Assert.That(record.Time!.Value.ToDateTime(), Is.EqualTo(new DateTime(2026, 11, 28, 7, 0, 0, DateTimeKind.Utc).AddMilliseconds(500)));
    }

    [TestCase("2026-11-28T07:00:00Z stdout F", "")]
    [TestCase("2026-11-28T07:00:00Z stdout F ", "")]
    [TestCase("2026-11-28T07:00:00Z stdout F  two spaces", " two spaces")]
    [TestCase("2026-11-28T07:00:00Z stdout F:x-tag tagged", "tagged")]
    [TestCase("2026-11-28T07:00:00Z stdout F caf\u00e9 \U0001F600", "caf\u00e9 \U0001F600")]
    public void TryDecode_EdgeMessages_MessageAfterTheTags(string line, string message)
    {
        Assert.That(_decoder.TryDecode(Encoding.UTF8.GetBytes(line), out var record), Is.True);
        Assert.That(Encoding.UTF8.GetString(record.Message), Is.EqualTo(message));
    }

    [TestCase("")]
    [TestCase("hello world")]
    [TestCase("2026-11-28T07:00:00Z")]
    [TestCase("2026-11-28T07:00:00Z stdout")]
    [TestCase("2026-11-28T07:00:00Z stdin F hello")]
    [TestCase("2026-11-28T07:00:00Z stdout X hello")]
    [TestCase("2026-11-28T07:00:00Z stdout PF hello")]
    [TestCase("2026-11-28 07:00:00Z stdout F hello")]
    [TestCase("2026-11-31T07:00:00Z stdout F bad day")]
    [TestCase(" 2026-11-28T07:00:00Z stdout F leading space")]
    [TestCase("2026-11-28T07:00:00Z  stdout F two spaces")]
    public void TryDecode_NotACriRecord_False(string line)
    {
        Assert.That(_decoder.TryDecode(Encoding.UTF8.GetBytes(line), out _), Is.False);
    }
}
