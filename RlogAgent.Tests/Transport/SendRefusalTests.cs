using Grpc.Core;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class SendRefusalTests
{
    [TestCase(StatusCode.InvalidArgument, "log 3 has no file_id", true)]
    [TestCase(StatusCode.ResourceExhausted, "grpc: received message larger than max (5000000 vs. 4194304)", true)]
    [TestCase(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.", true)]
    [TestCase(StatusCode.ResourceExhausted, "gRPC message exceeds maximum size 4194304: 5000000", true)]
    [TestCase(StatusCode.ResourceExhausted, "too many requests, slow down", false)]
    [TestCase(StatusCode.ResourceExhausted, "quota exceeds limit", false)]
    [TestCase(StatusCode.Unavailable, "message larger than max", false)]
    [TestCase(StatusCode.Internal, "", false)]
    public void IsRefusal_Status_OnlyContentRefusalsAreSplit(StatusCode code, string detail, bool expected)
    {
        Assert.That(SendRefusal.IsRefusal(new Status(code, detail)), Is.EqualTo(expected));
    }

    [TestCase(StatusCode.InvalidArgument, "INVALID_ARGUMENT")]
    [TestCase(StatusCode.ResourceExhausted, "RESOURCE_EXHAUSTED")]
    [TestCase(StatusCode.OK, "OK")]
    [TestCase(StatusCode.Unavailable, "UNAVAILABLE")]
    public void Name_Code_IsTheSpecificationSpelling(StatusCode code, string expected)
    {
        Assert.That(SendRefusal.Name(code), Is.EqualTo(expected));
    }
}
