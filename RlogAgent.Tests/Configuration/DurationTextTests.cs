using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>One way to write a duration: seconds, or a number with ms, s, m, h or d; in YAML and in RLOG_* variables.</summary>
[TestFixture]
public sealed class DurationTextTests
{
    [TestCase("2.5", 2.5)]
    [TestCase("500ms", 0.5)]
    [TestCase("5s", 5)]
    [TestCase("10m", 600)]
    [TestCase("2h", 7200)]
    [TestCase("7d", 604800)]
    [TestCase(" 1.5m ", 90)]
    public void TryParseSeconds_NumberOrSuffixedForm_Seconds(string text, double seconds)
    {
        Assert.That(DurationText.TryParseSeconds(text, out var parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(seconds).Within(1e-9));
    }

    [TestCase("")]
    [TestCase("soon")]
    [TestCase("5x")]
    [TestCase("ms")]
    [TestCase("1e400")]
    [TestCase("5 m s")]
    public void TryParseSeconds_NeitherForm_False(string text) =>
        Assert.That(DurationText.TryParseSeconds(text, out _), Is.False);

    [Test]
    public void LoadFile_SuffixedDurationsInYamlAndEnvironment_ReadAsSeconds()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("agent.yaml");
        File.WriteAllText(path, "server_addr: http://127.0.0.1:5000\nproject_key: k\nflush_interval: 500ms\nrotate_wait: 1m\n");

        var options = ConfigLoader.LoadFile(path, name => name == "RLOG_HEARTBEAT_INTERVAL" ? "2m" : null);

        Assert.That((options.FlushInterval.TotalSeconds, options.RotateWait.TotalSeconds, options.HeartbeatInterval.TotalSeconds), Is.EqualTo((0.5, 60.0, 120.0)));
    }

    [Test]
    public void LoadFile_BadDuration_ErrorNamesTheFieldAndBothForms()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("agent.yaml");
        File.WriteAllText(path, "server_addr: http://127.0.0.1:5000\nproject_key: k\nflush_interval: 5x\n");

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path, _ => null));

        Assert.That(e!.Message, Does.EndWith("flush_interval: '5x' is not a number of seconds or a duration such as 500ms, 5s, 10m, 2h, 7d"));
    }

    [Test]
    public void LoadOrFirstRun_ConfigPathIsAFolder_SaysSoNotNoSuchFile()
    {
        using var temp = new TempFolder();

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadOrFirstRun(temp.Path, _ => null));

        Assert.That(e!.Message, Does.Contain("is a folder, not a file"));
    }

    [Test]
    public void UnknownRlogVariables_TypoAndOthersPrograms_OnlyTheTypoWithTheClosestSetting()
    {
        var unknown = ConfigLoader.UnknownRlogVariables(["RLOG_BACH_SIZE", "RLOG_BATCH_SIZE", "RLOG_AGENT_REQUIRED", "RLOG_DB", "PATH"]);

        Assert.That(unknown, Is.EqualTo(new[] { ("RLOG_BACH_SIZE", "RLOG_BATCH_SIZE (batch_size)") }));
    }

    [TestCase(250, "250 ms")]
    [TestCase(2_500, "2.5 s")]
    [TestCase(30_000, "30 s")]
    [TestCase(60_000, "1 min")]
    [TestCase(90_000, "1 min 30 s")]
    [TestCase(7_500_000, "2 h 5 min")]
    public void Format_ReadsAsAPersonWritesIt(long milliseconds, string expected) =>
        Assert.That(DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)), Is.EqualTo(expected));
}
