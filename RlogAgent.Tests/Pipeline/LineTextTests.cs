using System.Text;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Pipeline;

[TestFixture]
public sealed class LineTextTests
{
    [Test]
    public void FitsWhole_InvalidBytesThatTripleWhenReplaced_DoesNotFit()
    {
        var invalid = Enumerable.Repeat((byte)0xFF, 200).ToArray();

        Assert.That(LineText.EncodedLength(invalid), Is.EqualTo(600));
        Assert.That(Encoding.UTF8.GetByteCount(Encoding.UTF8.GetString(invalid)), Is.EqualTo(600), "as the decoder replaces them");
        Assert.That(LineText.FitsWhole(invalid, 256), Is.False);
        Assert.That(LineText.FitsWhole(Encoding.UTF8.GetBytes(new string('a', 256)), 256), Is.True);
    }

    [Test]
    public void PieceLength_ValidText_CutsBeforeTheCharacterTheLimitFallsIn()
    {
        var text = Encoding.UTF8.GetBytes(new string('a', 255) + "é" + "tail");

        Assert.That(LineText.PieceLength(text, 256), Is.EqualTo(255));
    }

    [Test]
    public void PieceLength_MixedInvalidBytes_PieceEncodesWithinTheLimit()
    {
        var bytes = new byte[3000];
        new Random(3).NextBytes(bytes);
        var at = 0;
        while (at < bytes.Length)
        {
            var size = LineText.PieceLength(bytes.AsSpan(at), 300);
            var piece = Encoding.UTF8.GetString(bytes, at, size);
            Assert.That(Encoding.UTF8.GetByteCount(piece), Is.LessThanOrEqualTo(300));
            Assert.That(size, Is.Positive);
            at += size;
        }
    }
}
