using RlogAgent.Configuration;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class GrpcChannelFactoryTests
{
    [Test]
    public void CreateHandler_KeepaliveSettings_PingOnlyWhileACallIsOpenAtTheConfiguredPace()
    {
        var options = new AgentOptions { ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k", KeepaliveInterval = TimeSpan.FromSeconds(45), KeepaliveTimeout = TimeSpan.FromSeconds(12) };

        using var handler = GrpcChannelFactory.CreateHandler(options);

        Assert.Multiple(() =>
        {
            Assert.That(handler.KeepAlivePingPolicy, Is.EqualTo(HttpKeepAlivePingPolicy.WithActiveRequests), "an idle connection is never pinged: grpc-go and grpc-java answer that with GOAWAY too_many_pings");
            Assert.That(handler.KeepAlivePingDelay, Is.EqualTo(TimeSpan.FromSeconds(45)));
            Assert.That(handler.KeepAlivePingTimeout, Is.EqualTo(TimeSpan.FromSeconds(12)));
        });
    }

    [Test]
    public void CreateHandler_Defaults_PingEveryMinuteWithTwentySecondsToAnswer()
    {
        using var handler = GrpcChannelFactory.CreateHandler(new AgentOptions { ServerAddr = "http://127.0.0.1:5000", ProjectKey = "k" });

        Assert.Multiple(() =>
        {
            Assert.That(handler.KeepAlivePingDelay, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(handler.KeepAlivePingTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
        });
    }
}
