namespace RlogAgent.Tests.Server;

/// <summary>Stops the shared PostgreSQL test cluster after every server test has run.</summary>
[SetUpFixture]
public sealed class PostgresTestRun
{
    [OneTimeTearDown]
    public void StopCluster() => Support.PostgresCluster.StopIfStarted();
}
