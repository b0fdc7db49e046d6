using System.Text;
using RlogAgent.Collection.Parsing;
using RlogAgent.Configuration;

namespace RlogAgent.Tests.Collection.Parsing;

[TestFixture]
public sealed class EventTimeTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [TestCase("2026-11-28T07:00:00Z", "2026-11-28T07:00:00.0000000Z")]
    [TestCase("2026-11-28T07:00:00.123456789Z", "2026-11-28T07:00:00.1234567Z")]
    [TestCase("2026-11-28 07:00:00,5+09:00", "2026-11-27T22:00:00.5000000Z")]
    [TestCase("2026-11-28T07:00:00-0130", "2026-11-28T08:30:00.0000000Z")]
    [TestCase("2026-11-28T07:00:00+02", "2026-11-28T05:00:00.0000000Z")]
    [TestCase("2026-11-28T07:00:00", "2026-11-28T07:00:00.0000000Z")]
    [TestCase("1764313200", "2025-11-28T07:00:00.0000000Z")]
    public void TryParse_Rfc3339AndItsCommonVariants_ReadInPlace(string text, string expected)
    {
        Assert.That(EventTime.TryParse(Encoding.UTF8.GetBytes(text), TimeFormat.Rfc3339, TimeZoneInfo.Utc, out var ticks), Is.True);
        Assert.That(Utc(ticks), Is.EqualTo(expected));
    }

    [TestCase("yesterday")]
    [TestCase("2026-13-28T07:00:00Z")]
    [TestCase("2026-02-30T07:00:00Z")]
    [TestCase("2026-11-28T07:00:00Q")]
    [TestCase("2026-11-28T07:00")]
    public void TryParse_NotATime_False(string text) =>
        Assert.That(EventTime.TryParse(Encoding.UTF8.GetBytes(text), TimeFormat.Rfc3339, TimeZoneInfo.Utc, out _), Is.False);

    [TestCase(TimeFormatKind.Unix, "1764313200.25", "2025-11-28T07:00:00.2500000Z")]
    [TestCase(TimeFormatKind.UnixMs, "1764313200250", "2025-11-28T07:00:00.2500000Z")]
    [TestCase(TimeFormatKind.UnixUs, "1764313200250000", "2025-11-28T07:00:00.2500000Z")]
    [TestCase(TimeFormatKind.UnixNs, "1764313200250000100", "2025-11-28T07:00:00.2500001Z")]
    public void TryParse_UnixForms_SecondsToNanoseconds(TimeFormatKind kind, string text, string expected)
    {
        Assert.That(EventTime.TryParse(Encoding.UTF8.GetBytes(text), new TimeFormat(kind), TimeZoneInfo.Utc, out var ticks), Is.True);
        Assert.That(Utc(ticks), Is.EqualTo(expected));
    }

    [Test]
    public void TryParse_CustomFormatInAnIanaZone_ConvertedToUtc()
    {
        var seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

        Assert.That(EventTime.TryParse("2026-11-28 16:00:00,250"u8, new TimeFormat(TimeFormatKind.Custom, "yyyy-MM-dd HH:mm:ss,fff"), seoul, out var ticks), Is.True);
        Assert.That(Utc(ticks), Is.EqualTo("2026-11-28T07:00:00.2500000Z"));
    }

    [Test]
    public void TryParse_CustomFormatWithAnOffset_TheOffsetWinsOverTheZone()
    {
        Assert.That(EventTime.TryParse("28/Nov/2026:07:00:00 +0100"u8, new TimeFormat(TimeFormatKind.Custom, "dd/MMM/yyyy:HH:mm:ss zzz"), NewYork, out var ticks), Is.True);
        Assert.That(Utc(ticks), Is.EqualTo("2026-11-28T06:00:00.0000000Z"));
    }

    [TestCase("2026-07-01 12:00:00", "2026-07-01T16:00:00.0000000Z")] // summer: UTC-4
    [TestCase("2026-12-01 12:00:00", "2026-12-01T17:00:00.0000000Z")] // winter: UTC-5
    [TestCase("2026-03-08 02:30:00", "2026-03-08T07:30:00.0000000Z")] // in the spring-forward gap: read on the offset before it
    [TestCase("2026-11-01 01:30:00", "2026-11-01T05:30:00.0000000Z")] // repeated by the fall-back: its first occurrence
    public void TryParse_NoOffsetAcrossDaylightSavingChanges_ReadInTheSourcesZone(string text, string expected)
    {
        Assert.That(EventTime.TryParse(Encoding.UTF8.GetBytes(text), TimeFormat.Rfc3339, NewYork, out var ticks), Is.True);
        Assert.That(Utc(ticks), Is.EqualTo(expected));
    }

    private static string Utc(long unixTicks) => new DateTime(DateTime.UnixEpoch.Ticks + unixTicks, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
