using System.Reflection;

namespace RlogAgent;

/// <summary>The agent's name and version, as sent at registration and in heartbeats.</summary>
public static class AgentInfo
{
    public static string Version { get; } =
        typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>The hostname sent at registration: the node's name when <c>NODE_NAME</c> is set, else the machine's (<see cref="AgentHostname"/>).</summary>
    public static string Hostname => AgentHostname.Resolve(Environment.GetEnvironmentVariable, Environment.MachineName);
}
