using System.Reflection;

namespace RlogAgent;

/// <summary>The agent's name and version, as sent at registration and in heartbeats.</summary>
public static class AgentInfo
{
    public static string Version { get; } =
        typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
