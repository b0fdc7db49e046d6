using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>The agent as a real process: first run from the environment, signals, exit codes.</summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX signals and file modes")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProcessTests : EndToEndTest
{
    [Test]
    public async Task FirstRun_FromEnvironment_RegistersWritesPrivateStateAndConfigThenSecondRunReusesUuid()
    {
        var env = new Dictionary<string, string> { ["SERVER_ADDR"] = Server.Address.ToString(), ["PROJECT_KEY"] = TestServer.ProjectKey };
        var config = Temp.Combine("config", "agent.yaml");
        var uuidFile = Temp.Combine("state", "agent_uuid");
        var tokenFile = Temp.Combine("state", "token");
        string uuid;
        using (var first = AgentProcess.Start(Temp.Path, env))
        {
            await Eventually.WaitAsync(() => File.Exists(config) && File.Exists(uuidFile) && File.Exists(tokenFile), "config and state written");
            uuid = File.ReadAllText(uuidFile).Trim();
            first.Signal(AgentProcess.Sigterm);
            Assert.That(await first.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), first.Output);
            Assert.That(first.Output, Does.Not.Contain(TestServer.ProjectKey));
        }

        var privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Multiple(() =>
        {
            Assert.That(Server.Store.AgentUuids(), Is.EqualTo(new[] { uuid }));
            Assert.That(File.GetUnixFileMode(uuidFile), Is.EqualTo(privateMode));
            Assert.That(File.GetUnixFileMode(tokenFile), Is.EqualTo(privateMode));
            Assert.That(File.GetUnixFileMode(config), Is.EqualTo(privateMode));
            Assert.That(File.ReadAllText(config), Does.Contain(Server.Address.ToString()).And.Contain(TestServer.ProjectKey));
        });

        using (var second = AgentProcess.Start(Temp.Path))
        {
            await Eventually.WaitAsync(() => Server.Store.CountHeartbeats(uuid) >= 2, "heartbeats from the second run");
            second.Signal(AgentProcess.Sigterm);
            Assert.That(await second.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), second.Output);
        }

        Assert.Multiple(() =>
        {
            Assert.That(Server.Store.AgentUuids(), Is.EqualTo(new[] { uuid }), "the second run kept its uuid");
            Assert.That(Server.Store.CountRegistrations(uuid), Is.EqualTo(1), "the second run refreshed its stored token instead of registering");
            Assert.That(File.ReadAllText(uuidFile).Trim(), Is.EqualTo(uuid));
        });
    }

    [Test]
    public async Task ShippingOverPlainHttp_NeverLoadsOpenSsl()
    {
        // OpenSSL is megabytes of resident memory in every container beside an agent that
        // speaks h2c; only an https:// server should bring it in.
        Assert.That(Server.Address.Scheme, Is.EqualTo("http"));
        var log = Temp.Combine("app.log");
        Append(log, 0, 20);
        WriteProcessConfig(log);
        using var agent = AgentProcess.Start(Temp.Path);
        await WaitForLinesAsync(20);
        await Eventually.WaitAsync(() => Server.Store.CountHeartbeats() >= 1, "a heartbeat");

        var loaded = File.ReadAllLines($"/proc/{agent.Id}/maps")
            .Where(line => line.Contains("libssl", StringComparison.Ordinal) || line.Contains("libcrypto", StringComparison.Ordinal))
            .ToList();
        agent.Signal(AgentProcess.Sigterm);
        Assert.Multiple(async () =>
        {
            Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);
            Assert.That(loaded, Is.Empty, "libssl/libcrypto mapped into an agent shipping over http://");
        });
    }

    [Test]
    public async Task Start_InvalidConfig_ExitsWithConfigErrorNamingFileAndField()
    {
        var path = WriteConfig($"server_addr: {Server.Address}\nproject_key: k\nbatch_size: -3\n");

        using var agent = AgentProcess.Start(Temp.Path);
        var code = await agent.WaitForExitAsync(ExitTimeout);

        Assert.That(code, Is.EqualTo(ExitCodes.ConfigError));
        Assert.That(agent.Output, Does.Contain(path).And.Contain("batch_size").And.Contain("must be from 1 to 100000, not -3"));
    }

    [Test]
    public async Task Start_NoConfigAndNoEnvironment_ExitsWithConfigError()
    {
        using var agent = AgentProcess.Start(Temp.Path);

        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.ConfigError));
        Assert.That(agent.Output, Does.Contain("SERVER_ADDR").And.Contain("PROJECT_KEY"));
    }

    [TestCase("--version", "0.1.0")]
    [TestCase("--help", "--config")]
    public async Task InformationalOptions_PrintAndExitZero(string option, string expected)
    {
        using var agent = AgentProcess.Start(Temp.Path, null, option);

        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok));
        Assert.That(agent.Output, Does.Contain(expected));
    }

    [Test]
    public async Task UnknownOption_ExitsWithUsageError()
    {
        using var agent = AgentProcess.Start(Temp.Path, null, "--no-such-option");

        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.ConfigError));
        Assert.That(agent.Output, Does.Contain("--no-such-option"));
    }

    private string WriteConfig(string yaml)
    {
        var path = Temp.Combine("config", "agent.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }
}
