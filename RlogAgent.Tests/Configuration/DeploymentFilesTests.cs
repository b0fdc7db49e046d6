using System.Text.Json;
using RlogAgent.Configuration;
using RlogAgent.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace RlogAgent.Tests.Configuration;

/// <summary>
/// The Dockerfile, the systemd unit and the Kubernetes DaemonSet agree with the agent's own
/// defaults and exit codes. No container engine runs here, so their paths are checked as text.
/// </summary>
[TestFixture]
public sealed class DeploymentFilesTests
{
    private static readonly string Root = BuildOutput.RepoRoot();
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Dockerfile_WorkdirAndVolumes_HoldTheDefaultConfigAndStatePaths()
    {
        var instructions = DockerInstructions();
        var workdir = instructions.Last(i => i.Name == "WORKDIR").Argument;
        var volumes = JsonSerializer.Deserialize<string[]>(instructions.Single(i => i.Name == "VOLUME").Argument)!;

        var configPath = Path.GetFullPath(Path.Combine(workdir, ConfigLoader.DefaultConfigPath));
        var statePath = Path.GetFullPath(Path.Combine(workdir, AgentOptions.DefaultStateDir));

        Assert.Multiple(() =>
        {
            Assert.That(volumes, Is.EquivalentTo(new[] { "/config", "/state" }));
            Assert.That(Path.GetDirectoryName(configPath), Is.EqualTo("/config"));
            Assert.That(statePath, Is.EqualTo("/state"));
        });
    }

    [Test]
    public void Dockerfile_Entrypoint_IsTheAotBinaryInExecFormAsNonRoot()
    {
        var instructions = DockerInstructions();
        var entrypoint = JsonSerializer.Deserialize<string[]>(instructions.Single(i => i.Name == "ENTRYPOINT").Argument)!;
        var runtimeStage = instructions.Skip(instructions.FindLastIndex(i => i.Name == "FROM")).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(entrypoint, Is.EqualTo(new[] { "/usr/local/bin/rlog-agent" }), "exec form: the agent is PID 1 and receives SIGTERM");
            Assert.That(runtimeStage.Any(i => i.Name == "COPY" && i.Argument.EndsWith(" " + entrypoint[0], StringComparison.Ordinal)), Is.True, "the binary is copied where the entrypoint runs it");
            Assert.That(instructions.Any(i => i.Name == "RUN" && i.Argument.Contains("-p:PublishAot=true", StringComparison.Ordinal)), Is.True);
            Assert.That(runtimeStage.Last(i => i.Name == "USER").Argument, Does.Not.StartWith("0").And.Not.StartWith("root"));
            // The companion recipe copies both files from this image (docs/operations.md).
            Assert.That(runtimeStage.Any(i => i.Name == "COPY" && i.Argument.EndsWith(" /usr/local/bin/rlog-entrypoint", StringComparison.Ordinal)), Is.True, "the companion entrypoint is in the image");
        });
    }

    [Test]
    public void Dockerfile_LinksAgainstTheGlibcBuildPs1LinksAgainst()
    {
        var instructions = DockerInstructions();
        var script = File.ReadAllText(Path.Combine(Root, "deploy", "sysroot.sh"));
        var suite = script.Split('\n').Single(l => l.StartsWith("suite=", StringComparison.Ordinal))["suite=".Length..];
        var publish = instructions.Single(i => i.Name == "RUN" && i.Argument.Contains("dotnet publish", StringComparison.Ordinal)).Argument;

        Assert.Multiple(() =>
        {
            Assert.That(instructions.First(i => i.Name == "FROM").Argument, Is.EqualTo($"debian:{suite}-slim AS sysroot"));
            Assert.That(instructions.Any(i => i.Name == "COPY" && i.Argument == "--from=sysroot / /sysroot/"), Is.True);
            Assert.That(instructions.Any(i => i.Name == "RUN" && i.Argument.EndsWith("--links-only /sysroot", StringComparison.Ordinal)), Is.True);
            Assert.That(publish, Does.Contain("-p:SysRoot=/sysroot"));
        });
    }

    [Test]
    public void SystemdUnit_ExitCodes_MatchTheAgents()
    {
        var unit = File.ReadAllLines(Path.Combine(Root, "deploy", "rlog-agent.service"))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToLookup(p => p[0], p => p[1]);

        Assert.Multiple(() =>
        {
            Assert.That(unit["RestartPreventExitStatus"].Single(), Is.EqualTo(ExitCodes.ConfigError.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(unit["SuccessExitStatus"].Single(), Is.EqualTo(ExitCodes.ShutdownIncomplete.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(int.Parse(unit["TimeoutStopSec"].Single(), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(AgentOptions.DefaultShutdownTimeoutSeconds));
            Assert.That(unit["ExecStart"].Single(), Does.StartWith("/usr/local/bin/rlog-agent --config /etc/rlog/agent.yaml"));
        });
    }

    [Test]
    public void DaemonSet_ConfigMap_IsAValidConfigWhoseKeyComesFromTheSecretAndPathsFromTheMounts()
    {
        var documents = new YamlStream();
        documents.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "daemonset.yaml"))));
        var configMap = documents.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(d => Text(d, "kind") == "ConfigMap");
        var daemonSet = documents.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(d => Text(d, "kind") == "DaemonSet");
        var pod = Map(Map(Map(daemonSet, "spec"), "template"), "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var mounts = ((YamlSequenceNode)container.Children["volumeMounts"]).Children.Cast<YamlMappingNode>().ToDictionary(m => Text(m, "name"), m => Text(m, "mountPath"));
        var args = ((YamlSequenceNode)container.Children["args"]).Children.Select(a => ((YamlScalarNode)a).Value).ToList();
        var keyVariable = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>()
            .Single(e => Map(e, "valueFrom").Children.ContainsKey("secretKeyRef"));
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, Text(Map(configMap, "data"), "agent.yaml"));

        var options = ConfigLoader.LoadFile(path, name => name == Text(keyVariable, "name") ? "key-from-secret" : null);

        Assert.Multiple(() =>
        {
            Assert.That(options.ProjectKey, Is.EqualTo("key-from-secret"));
            Assert.That(args, Is.EqualTo(new[] { "--config", mounts["config"] + "/agent.yaml" }));
            Assert.That(options.StateDir, Is.EqualTo(mounts["state"]));
            Assert.That(options.Sources.Select(s => s.Path), Is.All.StartWith(mounts["varlog"] + "/containers/"));
            Assert.That(options.Sources.Select(s => s.Format), Is.All.EqualTo(SourceFormat.Cri), "container runtime records, decoded");
            Assert.That(ListenAddress.TryParse(options.Metrics.Listen, out var listen) && listen.IsWildcard, Is.True, "scraped from outside the pod");
            Assert.That(Text((YamlMappingNode)((YamlSequenceNode)container.Children["ports"]).Children.Single(), "containerPort"), Is.EqualTo(listen.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(int.Parse(Text(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(options.ShutdownTimeout.TotalSeconds));
        });
    }

    [Test]
    public void DaemonSet_ProbesPriorityNodeNameAndSeccomp_AreSet()
    {
        var documents = new YamlStream();
        documents.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "daemonset.yaml"))));
        var roots = documents.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        var priorityClass = roots.Single(d => Text(d, "kind") == "PriorityClass");
        var pod = Map(Map(Map(roots.Single(d => Text(d, "kind") == "DaemonSet"), "spec"), "template"), "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var port = (YamlMappingNode)((YamlSequenceNode)container.Children["ports"]).Children.Single();
        var nodeName = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>()
            .Single(e => Text(e, "name") == AgentHostname.NodeNameVariable);

        Assert.Multiple(() =>
        {
            Assert.That(Text(Map(Map(container, "livenessProbe"), "httpGet"), "path"), Is.EqualTo(RlogAgent.Hosting.MetricsEndpoint.LivenessPath));
            Assert.That(Text(Map(Map(container, "livenessProbe"), "httpGet"), "port"), Is.EqualTo(Text(port, "name")));
            // Readiness on liveness: a server outage must not turn agents unready and stall a rollout.
            Assert.That(Text(Map(Map(container, "readinessProbe"), "httpGet"), "path"), Is.EqualTo(RlogAgent.Hosting.MetricsEndpoint.LivenessPath));
            Assert.That(Text(pod, "automountServiceAccountToken"), Is.EqualTo("false"));
            Assert.That(Text(Map(Map(container, "readinessProbe"), "httpGet"), "port"), Is.EqualTo(Text(port, "name")));
            Assert.That(Text(Map(Map(nodeName, "valueFrom"), "fieldRef"), "fieldPath"), Is.EqualTo("spec.nodeName"));
            Assert.That(Text(Map(Map(container, "securityContext"), "seccompProfile"), "type"), Is.EqualTo("RuntimeDefault"));
            Assert.That(Text(pod, "priorityClassName"), Is.EqualTo(Text(Map(priorityClass, "metadata"), "name")), "the PriorityClass shipped in the same file");
            Assert.That(int.Parse(Text(priorityClass, "value"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0), "above ordinary pods (priority 0)");
        });
    }

    [Test]
    public void ServerManifest_IsTheServiceTheAgentsShipTo_WithGrpcProbesAndSecrets()
    {
        var documents = new YamlStream();
        documents.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "server.yaml"))));
        var roots = documents.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        var deployment = roots.Single(d => Text(d, "kind") == "Deployment");
        var service = roots.Single(d => Text(d, "kind") == "Service");
        var pod = Map(Map(Map(deployment, "spec"), "template"), "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod.Children["containers"]).Children.Single();
        var args = ((YamlSequenceNode)container.Children["args"]).Children.Select(a => ((YamlScalarNode)a).Value!).ToList();
        var ports = ((YamlSequenceNode)container.Children["ports"]).Children.Cast<YamlMappingNode>().ToDictionary(p => Text(p, "name"), p => Text(p, "containerPort"));
        var servicePorts = ((YamlSequenceNode)Map(service, "spec").Children["ports"]).Children.Cast<YamlMappingNode>().ToDictionary(p => Text(p, "name"), p => Text(p, "port"));
        var secretVariables = ((YamlSequenceNode)container.Children["env"]).Children.Cast<YamlMappingNode>()
            .Where(e => Map(e, "valueFrom").Children.ContainsKey("secretKeyRef")).Select(e => Text(e, "name")).ToList();
        var agentConfig = new YamlStream();
        agentConfig.Load(new StringReader(File.ReadAllText(Path.Combine(Root, "deploy", "kubernetes", "daemonset.yaml"))));
        var configMap = agentConfig.Documents.Select(d => (YamlMappingNode)d.RootNode).Single(d => Text(d, "kind") == "ConfigMap");
        var path = _temp.Combine("agent.yaml");
        File.WriteAllText(path, Text(Map(configMap, "data"), "agent.yaml"));
        var serverAddress = new Uri(ConfigLoader.LoadFile(path, name => name == "PROJECT_KEY" ? "key" : null).ServerAddr);
        var serviceHost = $"{Text(Map(service, "metadata"), "name")}.{Text(Map(service, "metadata"), "namespace")}.svc";

        Assert.Multiple(() =>
        {
            Assert.That(serverAddress.Host, Is.EqualTo(serviceHost), "the agents' server_addr is this Service");
            Assert.That(servicePorts["grpc"], Is.EqualTo(serverAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(args, Does.Contain($"--urls=http://0.0.0.0:{ports["grpc"]}"));
            Assert.That(args, Does.Contain($"--console-listen=0.0.0.0:{ports["console"]}"));
            Assert.That(args, Does.Contain($"--metrics-listen=0.0.0.0:{ports["metrics"]}"));
            Assert.That(args.Single(a => a.StartsWith("--console-hosts=", StringComparison.Ordinal)), Does.Contain(serviceHost));
            Assert.That(secretVariables, Is.EquivalentTo(new[] { "RLOG_DB", "RLOG_PROJECT_KEYS", "RLOG_VIEWER_KEYS" }), "no key or DSN in the file");
            Assert.That(Text(Map(Map(container, "readinessProbe"), "grpc"), "port"), Is.EqualTo(ports["grpc"]), "the standard gRPC health service");
            Assert.That(Text(Map(Map(container, "livenessProbe"), "grpc"), "port"), Is.EqualTo(ports["grpc"]));
            Assert.That(Text(pod, "automountServiceAccountToken"), Is.EqualTo("false"));
            Assert.That(Text(Map(container, "securityContext"), "runAsNonRoot"), Is.EqualTo("true"));
        });
    }

    [Test]
    public void ImageScript_AgreesWithTheDockerfile()
    {
        var script = File.ReadAllText(Path.Combine(Root, "deploy", "container", "build-image.sh"));
        var instructions = DockerInstructions();
        var uid = instructions.Single(i => i.Name == "ARG" && i.Argument.StartsWith("APP_UID=", StringComparison.Ordinal)).Argument["APP_UID=".Length..];

        Assert.Multiple(() =>
        {
            Assert.That(script, Does.Contain("--entrypoint '" + instructions.Single(i => i.Name == "ENTRYPOINT").Argument + "'"));
            Assert.That(script, Does.Contain("--workingdir " + instructions.Last(i => i.Name == "WORKDIR").Argument + " "));
            Assert.That(script, Does.Contain("--volume /config").And.Contain("--volume /state"));
            Assert.That(script, Does.Contain("app_uid=" + uid + "\n"));
            Assert.That(script, Does.Contain("--user \"$app_uid:$app_uid\""));
            Assert.That(script, Does.Contain("--stop-signal SIGTERM"));
        });
    }

    private static List<(string Name, string Argument)> DockerInstructions()
    {
        // Joins continuation lines and drops comments: one (instruction, argument) per step.
        var text = File.ReadAllText(Path.Combine(Root, "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .Select(p => (p[0].ToUpperInvariant(), p.Length > 1 ? p[1].Trim() : ""))
            .ToList();
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[key];

    private static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[key]).Value ?? "";
}
