namespace RlogAgent;

/// <summary>
/// The name the agent registers under. In a Kubernetes DaemonSet the machine name is the pod's
/// (rlog-agent-x7k2p, new at every rollout), which tells an operator nothing; the DaemonSet passes
/// the node's name in <see cref="NodeNameVariable"/> (the downward API's <c>spec.nodeName</c>), and
/// that is used when set.
/// </summary>
public static class AgentHostname
{
    /// <summary>The environment variable that names the node the agent runs on.</summary>
    public const string NodeNameVariable = "NODE_NAME";

    /// <summary><see cref="NodeNameVariable"/> when it is set and not blank (trimmed), else <paramref name="machineName"/>.</summary>
    public static string Resolve(Func<string, string?> getVariable, string machineName)
    {
        var node = getVariable(NodeNameVariable)?.Trim();
        return string.IsNullOrEmpty(node) ? machineName : node;
    }
}
