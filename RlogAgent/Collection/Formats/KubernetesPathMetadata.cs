using System.Buffers;

namespace RlogAgent.Collection.Formats;

/// <summary>
/// Reads Kubernetes metadata from a container log file's path, wherever its folder is:
/// <list type="bullet">
/// <item><c>&lt;pod&gt;_&lt;namespace&gt;_&lt;container&gt;-&lt;64 hex id&gt;.log</c> (the kubelet's names in
/// /var/log/containers) gives k8s.pod.name, k8s.namespace.name, k8s.container.name and container.id;</item>
/// <item><c>&lt;namespace&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;/&lt;restart&gt;.log</c> (/var/log/pods; also a
/// rotated <c>&lt;restart&gt;.log.&lt;YYYYMMDD-hhmmss&gt;</c>) gives k8s.namespace.name, k8s.pod.name,
/// k8s.pod.uid, k8s.container.name and k8s.container.restart_count.</item>
/// </list>
/// Names are checked against what Kubernetes allows (pod: lower-case letters, digits, '-' and '.';
/// namespace and container: lower-case letters, digits and '-'; uid: a UUID, or the 32-hex hash of a
/// static pod), so an ordinary file that happens to hold underscores gets no attributes.
/// </summary>
public static class KubernetesPathMetadata
{
    private const int ContainerIdLength = 64;

    private static readonly SearchValues<char> LabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    private static readonly SearchValues<char> SubdomainChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-.");

    private static readonly SearchValues<char> LowerHexChars = SearchValues.Create("0123456789abcdef");

    /// <summary>
    /// True, with the attributes in the order listed above, when <paramref name="path"/> (either
    /// separator) follows one of the two schemes; false, with no attributes, otherwise. Call it once per
    /// file and keep the result: it allocates.
    /// </summary>
    public static bool TryParse(string path, out IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        ArgumentNullException.ThrowIfNull(path);
        attributes = [];
        var name = LastSegment(path, out var parentEnd);
        if (TryParsePodsLayout(path, name, parentEnd, out var fromPods))
        {
            attributes = fromPods;
            return true;
        }

        if (TryParseContainersLayout(name, out var fromContainers))
        {
            attributes = fromContainers;
            return true;
        }

        return false;
    }

    private static bool TryParseContainersLayout(ReadOnlySpan<char> name, out KeyValuePair<string, string>[] attributes)
    {
        attributes = [];
        if (!name.EndsWith(".log", StringComparison.Ordinal))
        {
            return false;
        }

        var stem = name[..^4];
        var first = stem.IndexOf('_');
        var second = first < 0 ? -1 : stem[(first + 1)..].IndexOf('_');
        if (second < 0)
        {
            return false;
        }

        second += first + 1;
        var pod = stem[..first];
        var ns = stem[(first + 1)..second];
        var last = stem[(second + 1)..];
        if (last.Length < ContainerIdLength + 2 || last[^(ContainerIdLength + 1)] != '-')
        {
            return false;
        }

        var container = last[..^(ContainerIdLength + 1)];
        var id = last[^ContainerIdLength..];
        if (!IsPodName(pod) || !IsLabel(ns) || !IsLabel(container) || !IsLowerHex(id))
        {
            return false;
        }

        attributes =
        [
            new(EventAttributeNames.PodName, pod.ToString()),
            new(EventAttributeNames.NamespaceName, ns.ToString()),
            new(EventAttributeNames.ContainerName, container.ToString()),
            new(EventAttributeNames.ContainerId, id.ToString()),
        ];
        return true;
    }

    private static bool TryParsePodsLayout(string path, ReadOnlySpan<char> name, int parentEnd, out KeyValuePair<string, string>[] attributes)
    {
        attributes = [];
        var dot = name.IndexOf('.');
        if (dot <= 0 || !IsDigits(name[..dot]) || !IsLogOrRotatedLog(name[dot..]) || parentEnd < 0)
        {
            return false;
        }

        var container = LastSegment(path.AsSpan(0, parentEnd), out var podFolderEnd);
        if (podFolderEnd < 0)
        {
            return false;
        }

        var podFolder = LastSegment(path.AsSpan(0, podFolderEnd), out _);
        var first = podFolder.IndexOf('_');
        var second = first < 0 ? -1 : podFolder[(first + 1)..].IndexOf('_');
        if (second < 0)
        {
            return false;
        }

        second += first + 1;
        var ns = podFolder[..first];
        var pod = podFolder[(first + 1)..second];
        var uid = podFolder[(second + 1)..];
        if (!IsLabel(ns) || !IsPodName(pod) || !IsPodUid(uid) || !IsLabel(container))
        {
            return false;
        }

        attributes =
        [
            new(EventAttributeNames.NamespaceName, ns.ToString()),
            new(EventAttributeNames.PodName, pod.ToString()),
            new(EventAttributeNames.PodUid, uid.ToString()),
            new(EventAttributeNames.ContainerName, container.ToString()),
            new(EventAttributeNames.ContainerRestartCount, name[..dot].ToString()),
        ];
        return true;
    }

    /// <summary>The last segment of <paramref name="path"/>; <paramref name="parentEnd"/> is where its parent ends (the separator), or -1.</summary>
    private static ReadOnlySpan<char> LastSegment(ReadOnlySpan<char> path, out int parentEnd)
    {
        parentEnd = path.LastIndexOfAny('/', '\\');
        return parentEnd < 0 ? path : path[(parentEnd + 1)..];
    }

    /// <summary><c>.log</c>, or <c>.log.YYYYMMDD-hhmmss</c> as the kubelet names a rotated file.</summary>
    private static bool IsLogOrRotatedLog(ReadOnlySpan<char> suffix)
    {
        if (suffix.SequenceEqual(".log"))
        {
            return true;
        }

        return suffix.Length == 20 && suffix.StartsWith(".log.", StringComparison.Ordinal)
            && IsDigits(suffix.Slice(5, 8)) && suffix[13] == '-' && IsDigits(suffix.Slice(14, 6));
    }

    /// <summary>A DNS-1123 label: what namespace and container names are. Lower-case letters, digits and '-', at most 63.</summary>
    private static bool IsLabel(ReadOnlySpan<char> text) =>
        text.Length is > 0 and <= 63 && !text.ContainsAnyExcept(LabelChars) && text[0] != '-' && text[^1] != '-';

    /// <summary>A DNS-1123 subdomain: what pod names are. A label's characters and '.', at most 253.</summary>
    private static bool IsPodName(ReadOnlySpan<char> text) =>
        text.Length is > 0 and <= 253 && !text.ContainsAnyExcept(SubdomainChars) && text[0] is not ('-' or '.') && text[^1] is not ('-' or '.');

    /// <summary>A UUID as the API server writes it (8-4-4-4-12 lower-case hex), or a static pod's 32-hex hash.</summary>
    private static bool IsPodUid(ReadOnlySpan<char> text)
    {
        if (text.Length == 32)
        {
            return IsLowerHex(text);
        }

        return text.Length == 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' && text[23] == '-'
            && IsLowerHex(text[..8]) && IsLowerHex(text[9..13]) && IsLowerHex(text[14..18]) && IsLowerHex(text[19..23]) && IsLowerHex(text[24..]);
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept(LowerHexChars);

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');
}
