using Microsoft.Data.Sqlite;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.EndToEnd;

/// <summary>
/// The agent as containers run it, with real processes and real signals against the real server:
/// beside an application under deploy/container/entrypoint.sh, as PID 1 of a fresh PID namespace
/// (where no signal has a default action), and registering under the node's name.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "POSIX shell, signals and PID namespaces")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContainerTests : EndToEndTest
{
    // A stand-in application: waits until the test says the agent follows the log (the file named
    // by $1 exists), writes $3 numbered lines to $2, then exits with $4; or, with $4 = "serve",
    // runs until SIGTERM or SIGINT, when it writes one last line and exits 0, as a well-behaved server does.
    private const string Application = """
        #!/bin/sh
        go=$1 log=$2 count=$3 end=$4
        trap 'echo "app stopping" >> "$log"; exit 0' TERM INT
        while [ ! -e "$go" ]; do sleep 0.05; done
        i=0
        while [ "$i" -lt "$count" ]; do printf 'line %06d\n' "$i" >> "$log"; i=$((i + 1)); done
        [ "$end" = serve ] || exit "$end"
        while :; do sleep 0.05; done
        """;

    private static readonly TimeSpan ScriptExitTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Entrypoint_ApplicationExits_ItsLinesAreStoredAndItsExitCodeIsTheScripts()
    {
        var (log, go) = PrepareApplicationFiles();
        using var script = StartEntrypoint(go, log, count: 200, end: "3");
        await WaitForAgentToFollowAsync(script, log);

        File.WriteAllText(go, "");

        Assert.That(await script.WaitForExitAsync(ScriptExitTimeout), Is.EqualTo(3), script.Output);
        Assert.That(script.Output, Does.Contain("rlog-agent exited with 0").And.Contain("Stopped cleanly"));
        AssertExactly(200);
    }

    [Test]
    public async Task Entrypoint_Sigterm_ReachesTheApplicationThenTheAgentWhichDrainsItsLastLines()
    {
        var (log, go) = PrepareApplicationFiles();
        using var script = StartEntrypoint(go, log, count: 100, end: "serve");
        await WaitForAgentToFollowAsync(script, log);
        File.WriteAllText(go, "");
        await WaitForLinesAsync(100);

        script.Signal(AgentProcess.Sigterm);

        Assert.That(await script.WaitForExitAsync(ScriptExitTimeout), Is.Zero, "the application's own code after its SIGTERM trap\n" + script.Output);
        Assert.Multiple(() =>
        {
            Assert.That(script.Output, Does.Contain("application exited with 0"));
            Assert.That(script.Output, Does.Contain("Stopped cleanly").And.Contain("rlog-agent exited with 0"), "the agent got SIGTERM and drained");
            var lines = StoredTexts();
            Assert.That(lines, Has.Count.EqualTo(101), "each line stored once");
            Assert.That(lines, Does.Contain("app stopping"), "the line the application wrote as it stopped");
        });
    }

    [Test]
    public async Task Entrypoint_Sigint_ReachesTheApplicationThenTheAgent()
    {
        var (log, go) = PrepareApplicationFiles();
        using var script = StartEntrypoint(go, log, count: 50, end: "serve");
        await WaitForAgentToFollowAsync(script, log);
        File.WriteAllText(go, "");
        await WaitForLinesAsync(50);

        // Ctrl+C, or docker stop --signal SIGINT: the application was started in the background
        // by a non-interactive shell, with SIGINT ignored, and never stopped.
        script.Signal(AgentProcess.Sigint);

        Assert.That(await script.WaitForExitAsync(ScriptExitTimeout), Is.Zero, script.Output);
        Assert.That(script.Output, Does.Contain("application exited with 0").And.Contain("rlog-agent exited with 0"));
        Assert.That(StoredTexts(), Does.Contain("app stopping").And.Count.EqualTo(51));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Entrypoint_AgentDiesAtStart_SaidAtOnceAndStopsTheApplicationOnlyWhenRequired(bool required)
    {
        var (log, go) = PrepareApplicationFiles();
        File.AppendAllText(Temp.Combine("config", "agent.yaml"), "batch_size: 0\n");
        using var script = StartEntrypoint(go, log, count: 0, end: "serve", agentRequired: required);

        await Eventually.WaitAsync(() => script.Output.Contains("rlog-agent exited with 2 while the application runs", StringComparison.Ordinal), "the agent's exit said at once");
        if (required)
        {
            Assert.That(await script.WaitForExitAsync(ScriptExitTimeout), Is.EqualTo(2), "the agent's code, as the application stopped cleanly\n" + script.Output);
            Assert.That(File.ReadAllText(log), Does.Contain("app stopping"));
            return;
        }

        Assert.That(script.HasExited, Is.False, "the application goes on without the agent");
        script.Signal(AgentProcess.Sigterm);
        Assert.That(await script.WaitForExitAsync(ScriptExitTimeout), Is.Zero, script.Output);
        Assert.That(script.Output, Does.Contain("rlog-agent had already exited with 2"));
    }

    [Test]
    public async Task AgentAsPid1_Sigterm_DrainsAndExitsZero()
    {
        if (!File.Exists("/usr/bin/unshare") && !File.Exists("/bin/unshare"))
        {
            Assert.Fail("unshare (util-linux) is not installed: it runs the agent as PID 1 of a new PID namespace. Install util-linux.");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Fail("This test must run as root: 'unshare --pid --mount-proc' needs CAP_SYS_ADMIN to make the agent PID 1 of a new PID namespace.");
        }

        var log = Temp.Combine("app.log");
        Append(log, 0, 50);
        WriteProcessConfig(log);
        var (command, how) = AgentCommand();
        TestContext.Progress.WriteLine($"[pid1] running {how}");
        using var unshare = AgentProcess.StartCommand(Temp.Path, "unshare", ["--pid", "--fork", "--mount-proc", .. command]);
        await WaitForLinesAsync(50);
        var agentPid = ChildOf(unshare.Id);
        Assert.That(NamespacePids(agentPid), Is.EqualTo(new[] { agentPid, 1 }), "the agent is PID 1 in its namespace");

        Append(log, 50, 50);
        await Eventually.WaitAsync(() => Server.Store.ReadHeartbeats().Any(h => h.LinesRead >= 100), "a heartbeat reporting 100 lines read");
        AgentProcess.Signal(agentPid, AgentProcess.Sigterm);

        Assert.That(await unshare.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), "unshare --fork exits with the agent's code\n" + unshare.Output);
        Assert.That(unshare.Output, Does.Contain("Stopped cleanly"));
        AssertExactly(100);
    }

    [Test]
    public async Task Registration_NodeNameSet_RegistersUnderTheNodesName()
    {
        var log = Temp.Combine("app.log");
        Append(log, 0, 1);
        WriteProcessConfig(log);
        using var agent = AgentProcess.Start(Temp.Path, new Dictionary<string, string> { [AgentHostname.NodeNameVariable] = "node-7.example" });
        await WaitForLinesAsync(1);
        agent.Signal(AgentProcess.Sigterm);
        Assert.That(await agent.WaitForExitAsync(ExitTimeout), Is.EqualTo(ExitCodes.Ok), agent.Output);

        using var db = new SqliteConnection($"Data Source={Path.Combine(Server.Folder, TestServer.DatabaseFileName)};Mode=ReadOnly");
        db.Open();
        using var query = db.CreateCommand();
        query.CommandText = "SELECT hostname FROM registrations";
        using var rows = query.ExecuteReader();
        var hostnames = new List<string>();
        while (rows.Read())
        {
            hostnames.Add(rows.GetString(0));
        }

        Assert.That(hostnames, Is.EqualTo(new[] { "node-7.example" }));
    }

    private (string Log, string Go) PrepareApplicationFiles()
    {
        var log = Temp.Combine("app.log");
        File.WriteAllText(log, "");
        WriteProcessConfig(log);
        File.WriteAllText(Temp.Combine("app.sh"), Application.ReplaceLineEndings("\n") + "\n");
        return (log, Temp.Combine("go"));
    }

    private AgentProcess StartEntrypoint(string go, string log, int count, string end, bool agentRequired = false)
    {
        var agentDll = BuildOutput.Find("RlogAgent", "rlog-agent.dll");
        var environment = new Dictionary<string, string> { ["RLOG_AGENT"] = "dotnet " + agentDll };
        if (agentRequired)
        {
            environment["RLOG_AGENT_REQUIRED"] = "true";
        }

        // SIGINT at its default, as a container runtime starts an entrypoint: a test runner started
        // in the background has it ignored, and a shell cannot trap a signal ignored on entry.
        return AgentProcess.StartCommand(
            Temp.Path,
            "env",
            ["--default-signal=INT", "/bin/sh", Path.Combine(BuildOutput.RepoRoot(), "deploy", "container", "entrypoint.sh"), "/bin/sh", Temp.Combine("app.sh"), go, log, count.ToString(System.Globalization.CultureInfo.InvariantCulture), end],
            environment);
    }

    private static Task WaitForAgentToFollowAsync(AgentProcess process, string log) =>
        Eventually.WaitAsync(() => process.Output.Contains("Reading " + log, StringComparison.Ordinal), "the agent follows the application's log");

    /// <summary>The published NativeAOT binary when there is one (what images run), else the build's dll.</summary>
    private static (string[] Command, string How) AgentCommand()
    {
        var published = Path.Combine(BuildOutput.RepoRoot(), "artifacts", "publish", "linux-x64", "rlog-agent");
        if (File.Exists(published))
        {
            return ([published], "the published NativeAOT binary " + published);
        }

        var dll = BuildOutput.Find("RlogAgent", "rlog-agent.dll");
        return (["dotnet", dll], "dotnet " + dll + " (no published binary; run build.ps1 publish to test that)");
    }

    /// <summary>The one child of <paramref name="pid"/> (unshare --fork's), from /proc's children lists.</summary>
    private static int ChildOf(int pid)
    {
        var children = Directory.GetDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.That(children, Has.Count.EqualTo(1), $"unshare (pid {pid}) has one child, the agent");
        return children[0];
    }

    /// <summary>The pids of <paramref name="pid"/> from the host's namespace inwards (NSpid in /proc/PID/status).</summary>
    private static int[] NamespacePids(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status")
            .Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal))["NSpid:".Length..]
            .Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();
}
