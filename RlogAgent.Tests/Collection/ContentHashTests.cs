using System.Security.Cryptography;
using System.Text;
using RlogAgent.Collection;

namespace RlogAgent.Tests.Collection;

[TestFixture]
public sealed class ContentHashTests
{
    [TestCase("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [TestCase("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Sha256_KnownVectors(string text, string expected)
    {
        Span<byte> digest = stackalloc byte[ContentHash.DigestBytes];
        ContentHash.Sha256(Encoding.ASCII.GetBytes(text), digest);
        Assert.That(Convert.ToHexStringLower(digest), Is.EqualTo(expected));
    }

    [Test]
    public void Sha256_EveryLengthAcrossTheBlockBoundaries_MatchesTheSystemImplementation()
    {
        // Checkpoints and file ids written by agents that used System.Security.Cryptography must still match.
        var random = new Random(11);
        var data = new byte[1100];
        random.NextBytes(data);
        Span<byte> digest = stackalloc byte[ContentHash.DigestBytes];
        for (var length = 0; length <= data.Length; length++)
        {
            ContentHash.Sha256(data.AsSpan(0, length), digest);
            Assert.That(digest.ToArray(), Is.EqualTo(SHA256.HashData(data.AsSpan(0, length))), $"length {length}");
        }
    }
}
