using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>
/// Attribute names this folder fills in, as OpenTelemetry's semantic conventions spell them, so a
/// server or a query can rely on them (protocol.md, <c>Log.attributes</c>).
/// </summary>
public static class EventAttributeNames
{
    /// <summary>The stream a container record came from: <c>stdout</c> or <c>stderr</c>.</summary>
    public const string LogIoStream = "log.iostream";

    /// <summary>The pod's name.</summary>
    public const string PodName = "k8s.pod.name";

    /// <summary>The pod's namespace.</summary>
    public const string NamespaceName = "k8s.namespace.name";

    /// <summary>The pod's UID (a UUID, or for a static pod the 32-hex hash the kubelet gives it).</summary>
    public const string PodUid = "k8s.pod.uid";

    /// <summary>The container's name inside its pod.</summary>
    public const string ContainerName = "k8s.container.name";

    /// <summary>How many times the container was restarted when it wrote the file (the file's name in /var/log/pods).</summary>
    public const string ContainerRestartCount = "k8s.container.restart_count";

    /// <summary>The container runtime's 64-hex id of the container (the end of the file's name in /var/log/containers).</summary>
    public const string ContainerId = "container.id";

    /// <summary>The attribute value for <paramref name="stream"/>: <c>stdout</c>, <c>stderr</c>, or null for no attribute.</summary>
    public static string? IoStreamValue(LogIoStream stream) => stream switch
    {
        Pipeline.LogIoStream.Stdout => "stdout",
        Pipeline.LogIoStream.Stderr => "stderr",
        _ => null,
    };
}
