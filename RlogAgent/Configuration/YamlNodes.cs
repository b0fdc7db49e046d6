using YamlDotNet.RepresentationModel;

namespace RlogAgent.Configuration;

/// <summary>Reading values out of YamlDotNet's node model, each failure naming the file, line and field.</summary>
internal static class YamlNodes
{
    /// <summary>True for a key given no value (<c>tls:</c>), or <c>~</c> or <c>null</c>: the defaults stay.</summary>
    public static bool IsEmpty(YamlNode node) => node is YamlScalarNode { Value: null or "" or "~" or "null" };

    /// <summary>The text of a single value; a list or mapping is an error.</summary>
    public static string Scalar(string path, string field, YamlNode node)
    {
        if (node is not YamlScalarNode scalar)
        {
            throw new ConfigException(path, field, "must be a single value", node.Start.Line);
        }

        return scalar.Value ?? "";
    }

    /// <summary>The text of a mapping's key (keys are always single values in agent.yaml).</summary>
    public static string Key(string path, string field, YamlNode keyNode) =>
        keyNode is YamlScalarNode { Value: { } key }
            ? key
            : throw new ConfigException(path, field, "a key must be a single value", keyNode.Start.Line);
}
