using System.Text;
using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class RecordTimestampTests
{
    private static readonly long SevenOClock = new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    [Test]
    public void TryParseRfc3339_NineFractionDigitsAndZ_KeepsEveryNanosecond()
    {
        var parsed = Parse("2026-11-28T07:00:00.123456789Z");

        Assert.That(parsed, Is.EqualTo(new RecordTimestamp(SevenOClock, 123_456_789)));
        Assert.That(parsed!.Value.ToDateTime(), Is.EqualTo(new DateTime(2026, 11, 28, 7, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567)));
        Assert.That(parsed.Value.ToDateTime().Kind, Is.EqualTo(DateTimeKind.Utc));
    }

    [TestCase("2026-11-28T07:00:00Z", 0)]
    [TestCase("2026-11-28T07:00:00.1Z", 100_000_000)]
    [TestCase("2026-11-28T07:00:00.000001Z", 1_000)]
    [TestCase("2026-11-28T07:00:00.1234567891234Z", 123_456_789)]
    [TestCase("2026-11-28t07:00:00.5z", 500_000_000)]
    public void TryParseRfc3339_FractionOfAnyLength_GivesNanoseconds(string text, int nanoseconds)
    {
        Assert.That(Parse(text), Is.EqualTo(new RecordTimestamp(SevenOClock, nanoseconds)));
    }

    [TestCase("2026-11-28T08:00:00.25+01:00")]
    [TestCase("2026-11-28T01:30:00.25-05:30")]
    [TestCase("2026-11-29T06:59:00.25+23:59")]
    public void TryParseRfc3339_NumericOffset_GivesTheSameInstantInUtc(string text)
    {
        Assert.That(Parse(text), Is.EqualTo(new RecordTimestamp(SevenOClock, 250_000_000)));
    }

    [Test]
    public void TryParseRfc3339_LeapDayAndNegativeOffsetAcrossMidnight_Valid()
    {
        Assert.That(Parse("2024-02-29T23:30:00-01:00")!.Value.ToDateTime(), Is.EqualTo(new DateTime(2024, 3, 1, 0, 30, 0, DateTimeKind.Utc)));
        Assert.That(Parse("1969-12-31T23:59:59.5Z"), Is.EqualTo(new RecordTimestamp(-1, 500_000_000)));
    }

    [TestCase("")]
    [TestCase("2026-11-28")]
    [TestCase("2026-11-28T07:00:00")]
    [TestCase("2026-11-28 07:00:00Z")]
    [TestCase("2026-11-28T07:00:00.Z")]
    [TestCase("2026-11-28T07:00:00.123456789")]
    [TestCase("2026-11-28T07:00:00.1Zjunk")]
    [TestCase("2026-11-28T07:00:00+0100")]
    [TestCase("2026-11-28T07:00:00+01")]
    [TestCase("2026-11-28T07:00:00+24:00")]
    [TestCase("2026-11-28T07:00:00+01:60")]
    [TestCase("2026-13-28T07:00:00Z")]
    [TestCase("2026-00-28T07:00:00Z")]
    [TestCase("2026-04-31T07:00:00Z")]
    [TestCase("2026-02-29T07:00:00Z")]
    [TestCase("2026-11-00T07:00:00Z")]
    [TestCase("2026-11-28T24:00:00Z")]
    [TestCase("2026-11-28T07:60:00Z")]
    [TestCase("2026-11-28T07:00:60Z")]
    [TestCase("0000-01-01T00:00:00Z")]
    [TestCase("0001-01-01T00:00:00+01:00")]
    [TestCase("9999-12-31T23:59:59-01:00")]
    [TestCase("2026-1x-28T07:00:00Z")]
    [TestCase("２０２６-11-28T07:00:00Z")]
    public void TryParseRfc3339_NotAnRfc3339TimeOrOutOfRange_False(string text)
    {
        Assert.That(RecordTimestamp.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out var parsed), Is.False);
        Assert.That(parsed, Is.EqualTo(default(RecordTimestamp)));
    }

    [Test]
    public void TryParseRfc3339_FirstAndLastInstantsADateTimeHolds_Valid()
    {
        Assert.That(Parse("0001-01-01T00:00:00Z")!.Value.ToDateTime(), Is.EqualTo(DateTime.MinValue));
        Assert.That(Parse("9999-12-31T23:59:59.9999999Z")!.Value.ToDateTime(), Is.EqualTo(DateTime.MaxValue));
    }

    private static RecordTimestamp? Parse(string text) =>
        RecordTimestamp.TryParseRfc3339(Encoding.UTF8.GetBytes(text), out var parsed) ? parsed : null;
}
