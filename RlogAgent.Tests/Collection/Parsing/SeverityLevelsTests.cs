using System.Text;
using RlogAgent.Collection.Parsing;

namespace RlogAgent.Tests.Collection.Parsing;

[TestFixture]
public sealed class SeverityLevelsTests
{
    [TestCase("TRACE", 1)]
    [TestCase("debug", 5)]
    [TestCase("Info", 9)]
    [TestCase("information", 9)]
    [TestCase("notice", 10)]
    [TestCase("WARN", 13)]
    [TestCase("warning", 13)]
    [TestCase("err", 17)]
    [TestCase("ERROR", 17)]
    [TestCase("crit", 21)]
    [TestCase("critical", 21)]
    [TestCase("fatal", 21)]
    [TestCase("panic", 22)]
    [TestCase("emerg", 23)]
    [TestCase("E", 17)]
    [TestCase("W", 13)]
    [TestCase("I", 9)]
    [TestCase("F", 21)]
    [TestCase("3", 17)] // syslog err
    [TestCase("4", 13)] // syslog warning
    [TestCase("6", 9)] // syslog info
    [TestCase("30", 9)] // pino info
    [TestCase("50", 17)] // pino error
    public void TryParse_CommonSpelling_MapsToItsSeverityNumber(string text, int expected)
    {
        Assert.That(SeverityLevels.TryParse(Encoding.UTF8.GetBytes(text), out var number), Is.True);
        Assert.That(number, Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("started")]
    [TestCase("8")]
    [TestCase("warnings")]
    [TestCase("info!")]
    public void TryParse_NotALevel_False(string text) =>
        Assert.That(SeverityLevels.TryParse(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase(1, "TRACE")]
    [TestCase(9, "INFO")]
    [TestCase(10, "INFO")]
    [TestCase(13, "WARN")]
    [TestCase(22, "FATAL")]
    public void Name_SeverityNumber_OpenTelemetryShortName(int number, string name) =>
        Assert.That(SeverityLevels.Name(number), Is.EqualTo(name));

    [TestCase("warn", 13)]
    [TestCase("error", 17)]
    [TestCase("notice", 9)]
    [TestCase("nonsense", 0)]
    public void FloorOf_LevelName_LowestNumberOfItsRange(string name, int floor) =>
        Assert.That(SeverityLevels.FloorOf(name), Is.EqualTo(floor));
}
