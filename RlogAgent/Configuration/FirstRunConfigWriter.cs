using System.Globalization;
using System.Text;
using RlogAgent.Storage;

namespace RlogAgent.Configuration;

/// <summary>
/// Writes the agent.yaml of a first run (from <c>SERVER_ADDR</c> and <c>PROJECT_KEY</c>) so later runs
/// need no environment. Written as commented text rather than serialized, so the file a user opens
/// explains itself. Mode 0600: it holds the project key.
/// </summary>
public static class FirstRunConfigWriter
{
    public static void Write(AgentOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine("# rlog-agent configuration, written at first run. See README.md, \"Configuration\".")
            .AppendLine(inv, $"server_addr: {Quote(options.ServerAddr)}")
            .AppendLine(inv, $"project_key: {Quote(options.ProjectKey)}")
            .AppendLine(inv, $"batch_size: {options.BatchSize}")
            .AppendLine(inv, $"flush_interval: {options.FlushInterval.ToString(inv)}        # seconds")
            .AppendLine(inv, $"heartbeat_interval: {options.HeartbeatInterval.ToString(inv)}    # seconds")
            .AppendLine(inv, $"state_dir: {Quote(options.StateDir)}")
            .AppendLine(inv, $"read_from: {(options.ReadFrom == ReadFrom.Beginning ? "beginning" : "end")}")
            .AppendLine("# HTTP/2 keepalive pings, only while a call is open (servers refuse frequent pings).")
            .AppendLine(inv, $"keepalive_interval: {options.KeepaliveInterval.ToString(inv)}    # seconds")
            .AppendLine(inv, $"keepalive_timeout: {options.KeepaliveTimeout.ToString(inv)}     # seconds")
            .AppendLine("# Files to ship, for example:")
            .AppendLine("#   - label: app")
            .AppendLine("#     path: /var/log/app/*.log")
            .AppendLine("sources: []")
            .ToString();
        AtomicFile.WriteAllText(options.ConfigPath, text, isPrivate: true);
    }

    private static string Quote(string value) => YamlText.Quote(value);
}
