using RlogAgent.Configuration;

namespace RlogAgent.Tests.Configuration;

[TestFixture]
public sealed class ListenAddressTests
{
    [TestCase("127.0.0.1:9464", "127.0.0.1", 9464)]
    [TestCase(":9464", "127.0.0.1", 9464)]
    [TestCase("9464", "127.0.0.1", 9464)]
    [TestCase("0.0.0.0:9100", "0.0.0.0", 9100)]
    [TestCase("localhost:1", "localhost", 1)]
    [TestCase("[::1]:9464", "::1", 9464)]
    [TestCase(" 10.0.0.5:65535 ", "10.0.0.5", 65535)]
    public void TryParse_Valid_GivesHostAndPort(string text, string host, int port)
    {
        Assert.That(ListenAddress.TryParse(text, out var address), Is.True);
        Assert.That(address, Is.EqualTo(new ListenAddress(host, port)));
    }

    [TestCase("")]
    [TestCase("127.0.0.1")]
    [TestCase("127.0.0.1:")]
    [TestCase(":0")]
    [TestCase("70000")]
    [TestCase("::1:9464")]
    [TestCase("[::1]")]
    [TestCase("[nothost]:1")]
    [TestCase("http://127.0.0.1:9464")]
    [TestCase("host:-1")]
    public void TryParse_Invalid_IsFalse(string text)
    {
        Assert.That(ListenAddress.TryParse(text, out _), Is.False);
    }

    [TestCase("0.0.0.0:1", true)]
    [TestCase("[::]:1", true)]
    [TestCase("*:1", true)]
    [TestCase("127.0.0.1:1", false)]
    public void IsWildcard_EveryInterfaceAddress_IsTrue(string text, bool wildcard)
    {
        Assert.That(ListenAddress.TryParse(text, out var address), Is.True);
        Assert.That(address.IsWildcard, Is.EqualTo(wildcard));
    }
}
