namespace RlogAgent.Tests;

[TestFixture]
public sealed class AgentHostnameTests
{
    [TestCase("node-3", "node-3")]
    [TestCase("  node-3\n", "node-3")]
    [TestCase("", "pod-abc12")]
    [TestCase("   ", "pod-abc12")]
    [TestCase(null, "pod-abc12")]
    public void Resolve_NodeName_WinsOverTheMachineNameWhenSet(string? nodeName, string expected)
    {
        var hostname = AgentHostname.Resolve(name => name == AgentHostname.NodeNameVariable ? nodeName : null, "pod-abc12");

        Assert.That(hostname, Is.EqualTo(expected));
    }
}
