using RlogAgent.Configuration;

namespace RlogAgent.Tests.Configuration;

[TestFixture]
public sealed class VariableSubstitutionTests
{
    private const string Path = "/etc/rlog/agent.yaml";

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["HOST"] = "logs.example",
        ["EMPTY"] = "",
        ["KEY"] = "s3cr3t",
    };

    [Test]
    public void Apply_SetVariable_IsReplaced()
    {
        var text = Apply("server_addr: http://${HOST}:5000\nproject_key: ${KEY}\n");

        Assert.That(text, Is.EqualTo("server_addr: http://logs.example:5000\nproject_key: s3cr3t\n"));
    }

    [Test]
    public void Apply_DefaultForUnsetOrEmpty_TakesDefault()
    {
        var text = Apply("a: ${MISSING:-fallback}\nb: ${EMPTY:-x}\nc: ${HOST:-unused}\nd: ${MISSING:-}\n");

        Assert.That(text, Is.EqualTo("a: fallback\nb: x\nc: logs.example\nd: \n"));
    }

    [Test]
    public void Apply_SetButEmptyWithoutDefault_IsEmpty()
    {
        Assert.That(Apply("a: '${EMPTY}'"), Is.EqualTo("a: ''"));
    }

    [Test]
    public void Apply_DoubleDollar_IsLiteralDollar()
    {
        Assert.That(Apply("a: 'pa$$word ${HOST} $${HOST} $5'"), Is.EqualTo("a: 'pa$word logs.example ${HOST} $5'"));
    }

    [Test]
    public void Apply_WholeLineComment_IsLeftAlone()
    {
        var yaml = "# export ${NOT_SET} first\n  # ${ALSO_NOT_SET}\na: ${HOST}\n";

        Assert.That(Apply(yaml), Is.EqualTo("# export ${NOT_SET} first\n  # ${ALSO_NOT_SET}\na: logs.example\n"));
    }

    [Test]
    public void Apply_UnsetWithoutDefault_ErrorNamesFileLineAndVariable()
    {
        var e = Assert.Throws<ConfigException>(() => Apply("server_addr: x\n\nproject_key: ${PROJECT_KEY}\n"));

        Assert.That(e!.Message, Does.StartWith(Path + ":3: ${PROJECT_KEY}:").And.Contain("PROJECT_KEY is not set"));
    }

    [Test]
    public void Apply_UnclosedReference_ErrorNamesLine()
    {
        var e = Assert.Throws<ConfigException>(() => Apply("a: 1\nb: ${HOST\n"));

        Assert.That(e!.Message, Does.StartWith(Path + ":2:").And.Contain("closing"));
    }

    [TestCase("${}")]
    [TestCase("${1ABC}")]
    [TestCase("${A-B}")]
    [TestCase("${HOST:default}")]
    public void Apply_InvalidName_IsError(string reference)
    {
        var e = Assert.Throws<ConfigException>(() => Apply("a: " + reference));

        Assert.That(e!.Message, Does.StartWith(Path + ":1:").And.Contain("is not a variable reference"));
    }

    [Test]
    public void Apply_CrlfLineEndings_AreKeptAndLinesCounted()
    {
        Assert.That(Apply("a: ${HOST}\r\nb: c\r\n"), Is.EqualTo("a: logs.example\r\nb: c\r\n"));
        var e = Assert.Throws<ConfigException>(() => Apply("a: 1\r\nb: ${NOPE}\r\n"));
        Assert.That(e!.Message, Does.StartWith(Path + ":2:"));
    }

    private static string Apply(string text) =>
        VariableSubstitution.Apply(text, Path, name => Environment.TryGetValue(name, out var value) ? value : null);
}
