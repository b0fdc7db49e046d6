using System.Text;
using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

[TestFixture]
public sealed class JsonStringUnescaperTests
{
    [TestCase(@"plain text", "plain text")]
    [TestCase(@"\n\t\r\b\f", "\n\t\r\b\f")]
    [TestCase(@"\""\\\/", "\"\\/")]
    [TestCase(@"caf\u00e9 \u00E9", "café é")]
    [TestCase(@"\ud83d\ude00", "\U0001F600")]
    [TestCase(@"\u20ac5", "€5")]
    [TestCase(@"\u0000", "\0")]
    public void Unescape_EscapesJsonDefines_TheirCharacters(string escaped, string expected)
    {
        Assert.That(Unescape(escaped), Is.EqualTo(expected));
    }

    [TestCase(@"\ud800", "\uFFFD")]
    [TestCase(@"\udc00", "\uFFFD")]
    [TestCase(@"\ud83dx", "\uFFFDx")]
    [TestCase(@"\ud83d\u0041", "\uFFFDA")]
    [TestCase(@"\ude00\ud83d", "\uFFFD\uFFFD")]
    public void Unescape_LoneSurrogates_ReplacementCharacter(string escaped, string expected)
    {
        Assert.That(Unescape(escaped), Is.EqualTo(expected));
    }

    [TestCase(@"\x41", @"\x41")]
    [TestCase(@"\u12", @"\u12")]
    [TestCase(@"\u12zz", @"\u12zz")]
    [TestCase(@"end\", @"end\")]
    [TestCase(@"\", @"\")]
    public void Unescape_EscapesJsonDoesNotDefine_KeptAsTheyAre(string escaped, string expected)
    {
        Assert.That(Unescape(escaped), Is.EqualTo(expected));
    }

    [Test]
    public void Unescape_RandomInput_NeverThrowsNorGrows()
    {
        var random = new Random(12);
        var alphabet = @"\u0123456789abcdefABCDEFdD""/nrtbfx é".ToCharArray();
        for (var i = 0; i < 5000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var bytes = Encoding.UTF8.GetBytes(text);
            var destination = new byte[bytes.Length];

            Assert.That(JsonStringUnescaper.Unescape(bytes, destination), Is.LessThanOrEqualTo(bytes.Length), text);
        }
    }

    private static string Unescape(string escaped)
    {
        var bytes = Encoding.UTF8.GetBytes(escaped);
        var destination = new byte[bytes.Length];
        return Encoding.UTF8.GetString(destination, 0, JsonStringUnescaper.Unescape(bytes, destination));
    }
}
