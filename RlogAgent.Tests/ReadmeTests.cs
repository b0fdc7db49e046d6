using System.CommandLine;
using System.Text.RegularExpressions;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;
using RlogServer.Cli;

namespace RlogAgent.Tests;

/// <summary>
/// What the README shows works as shown: its minimal agent.yaml loads, and the shortest production
/// recipe's server command and agent environment pass their programs' checks. (The demo and test
/// commands are what CI runs.)
/// </summary>
[TestFixture]
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(BuildOutput.RepoRoot(), "README.md"));

    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void MinimalAgentYaml_Loads()
    {
        var yaml = CodeBlocks("yaml").Single(b => b.Contains("sources:", StringComparison.Ordinal));
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, yaml);

        var options = ConfigLoader.LoadFile(path, name => name == "RLOG_PROJECT_KEY" ? "key" : null);

        Assert.Multiple(() =>
        {
            Assert.That(options.Sources, Has.Count.GreaterThanOrEqualTo(2));
            Assert.That(options.ProjectKey, Is.EqualTo("key"));
        });
    }

    [Test]
    public async Task ProductionRecipe_ServerCommand_PassesCheckConfig()
    {
        var recipe = CodeBlocks("sh").Single(b => b.Contains("--console-listen 0.0.0.0:8080", StringComparison.Ordinal));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match assignment in ExportedVariable().Matches(recipe))
        {
            environment[assignment.Groups[1].Value] = assignment.Groups[2].Value.Trim('\'');
        }

        var command = recipe.Split('\n').Single(l => l.StartsWith("rlog-server ", StringComparison.Ordinal));
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Append("--check-config").ToArray();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await ServerCommandLine.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error }, name => environment.GetValueOrDefault(name));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error.ToString());
            Assert.That(output.ToString(), Does.Contain("db.internal").And.Contain("console listen  0.0.0.0:8080"));
            Assert.That(output.ToString(), Does.Not.Contain("PASSWORD"), "the DSN's password is masked");
        });
    }

    [Test]
    public void ProductionRecipe_AgentEnvironment_IsAFirstRunConfiguration()
    {
        var recipe = CodeBlocks("sh").Single(b => b.Contains("--console-listen 0.0.0.0:8080", StringComparison.Ordinal));
        var line = recipe.Split('\n').Single(l => l.TrimEnd().EndsWith("rlog-agent", StringComparison.Ordinal));
        var environment = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => p.Contains('=', StringComparison.Ordinal))
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

        var (options, firstRun) = ConfigLoader.LoadOrFirstRun(_temp.Combine("config", "agent.yaml"), name => environment.GetValueOrDefault(name));

        Assert.Multiple(() =>
        {
            Assert.That(firstRun, Is.True);
            Assert.That(options.ServerAddr, Is.EqualTo(environment["SERVER_ADDR"]));
        });
    }

    // The bodies of the README's fenced code blocks of one language.
    private static List<string> CodeBlocks(string language) =>
        CodeBlock().Matches(Readme).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value).ToList();

    [GeneratedRegex(@"```(\w+)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"(?:export\s+|\s)(RLOG_\w+)=('[^']*'|\S+)")]
    private static partial Regex ExportedVariable();
}
