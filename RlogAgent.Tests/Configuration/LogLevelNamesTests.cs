using Microsoft.Extensions.Logging;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Configuration;

/// <summary>log_level takes the names users type from other tools, in any case.</summary>
[TestFixture]
public sealed class LogLevelNamesTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [TestCase("trace", LogLevel.Trace)]
    [TestCase("debug", LogLevel.Debug)]
    [TestCase("info", LogLevel.Information)]
    [TestCase("information", LogLevel.Information)]
    [TestCase("INFO", LogLevel.Information)]
    [TestCase("warn", LogLevel.Warning)]
    [TestCase("warning", LogLevel.Warning)]
    [TestCase("Warning", LogLevel.Warning)]
    [TestCase("error", LogLevel.Error)]
    [TestCase("critical", LogLevel.Critical)]
    [TestCase("fatal", LogLevel.Critical)]
    public void LoadFile_LogLevelName_IsRead(string name, LogLevel expected)
    {
        Assert.That(Load($"log_level: {name}\n").LogLevel, Is.EqualTo(expected));
    }

    [Test]
    public void LoadFile_LogLevelFromEnvironment_TakesShortNamesToo()
    {
        var options = Load("", name => name == "RLOG_LOG_LEVEL" ? "warn" : null);

        Assert.That(options.LogLevel, Is.EqualTo(LogLevel.Warning));
    }

    [Test]
    public void LoadFile_UnknownLogLevel_ErrorListsTheNames()
    {
        var e = Assert.Throws<ConfigException>(() => Load("log_level: verbose\n"));

        Assert.That(e!.Message, Does.Contain("log_level").And.Contain("info (information), warn (warning)").And.Contain("'verbose'"));
    }

    private AgentOptions Load(string extra, Func<string, string?>? environment = null)
    {
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, "server_addr: http://127.0.0.1:5000\nproject_key: k\n" + extra);
        return ConfigLoader.LoadFile(path, environment ?? (_ => null));
    }
}
