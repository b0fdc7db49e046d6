using System.Text;
using System.Text.Json;
using RlogAgent.Collection.Parsing;

namespace RlogAgent.Tests.Collection.Parsing;

/// <summary>The JSON fast path: it takes plain flat objects, and whatever it takes, Utf8JsonReader reads the same.</summary>
[TestFixture]
public sealed class FlatJsonObjectTests
{
    private static readonly string[] Seeds =
    [
        """{"ts":"2026-11-24T22:00:00.000Z","level":"INFO","worker":"worker-0","msg":"request handled","path":"/api/v1/items/17612","status":200,"latency_ms":583,"seq":0}""",
        """ { "time" : 1732485600.25 , "lvl":"warn", "ok":true, "gone":null, "n":-0.5e-3, "big":12E+2, "f":false } """,
        """{"a":"x\"y","b":{"c":1},"d":[1,2],"e":"tab\there"}""",
        "{}",
    ];

    [TestCase("""{"level":"INFO","status":200}""", "level=INFO(String) status=200(Number)")]
    [TestCase(""" {"a" : true ,"b":false,"c":null}  """, "a=true(Literal) b=false(Literal) c=null(Null)")]
    [TestCase("""{"n":-0,"m":0.5,"e":1e9,"E":-2.25E-7}""", "n=-0(Number) m=0.5(Number) e=1e9(Number) E=-2.25E-7(Number)")]
    [TestCase("""{"":"","é":"ü"}""", "=(String) é=ü(String)")]
    [TestCase("{}", "")]
    [TestCase("{ }", "")]
    public void TryScan_PlainFlatObject_PairsAsWritten(string line, string expected)
    {
        var pairs = new JsonPair[1];
        var text = Encoding.UTF8.GetBytes(line);

        Assert.That(FlatJsonObject.TryScan(text, ref pairs, out var count), Is.True);
        var found = string.Join(' ', pairs.Take(count).Select(p =>
            $"{Encoding.UTF8.GetString(text, p.KeyStart, p.KeyLength)}={Encoding.UTF8.GetString(text, p.ValueStart, p.ValueLength)}({p.Kind})"));
        Assert.That(found, Is.EqualTo(expected));
    }

    [TestCase("""{"msg":"say \"hi\""}""", TestName = "TryScan_Escape_LeftToTheReader")]
    [TestCase("""{"log":{"level":"warn"}}""", TestName = "TryScan_NestedObject_LeftToTheReader")]
    [TestCase("""{"tags":["a"]}""", TestName = "TryScan_Array_LeftToTheReader")]
    [TestCase("\n{\"a\":1}", TestName = "TryScan_LineFeedBeforeTheObject_LeftToTheReader")]
    [TestCase("""{"a":1} trailing""", TestName = "TryScan_TextAfterTheObject_LeftToTheReader")]
    [TestCase("""{"a":01}""", TestName = "TryScan_LeadingZero_LeftToTheReader")]
    [TestCase("""{"a":1.}""", TestName = "TryScan_NoFractionDigits_LeftToTheReader")]
    [TestCase("""{"a":1e}""", TestName = "TryScan_NoExponentDigits_LeftToTheReader")]
    [TestCase("""{"a":+1}""", TestName = "TryScan_PlusSign_LeftToTheReader")]
    [TestCase("""{"a":-}""", TestName = "TryScan_LoneMinus_LeftToTheReader")]
    [TestCase("""{"a":tru}""", TestName = "TryScan_BadLiteral_LeftToTheReader")]
    [TestCase("""{"a":truex}""", TestName = "TryScan_LiteralRunOn_LeftToTheReader")]
    [TestCase("""{"a":1,}""", TestName = "TryScan_TrailingComma_LeftToTheReader")]
    [TestCase("""{"a" 1}""", TestName = "TryScan_NoColon_LeftToTheReader")]
    [TestCase("""{"a":"b""", TestName = "TryScan_Unterminated_LeftToTheReader")]
    [TestCase("{\"a\":\"b\u0001\"}", TestName = "TryScan_ControlByte_LeftToTheReader")]
    [TestCase("""{a:1}""", TestName = "TryScan_BareKey_LeftToTheReader")]
    [TestCase("""["a"]""", TestName = "TryScan_NotAnObject_LeftToTheReader")]
    [TestCase("", TestName = "TryScan_Empty_LeftToTheReader")]
    public void TryScan_NotPlain_LeftToTheReader(string line)
    {
        var pairs = new JsonPair[4];

        Assert.That(FlatJsonObject.TryScan(Encoding.UTF8.GetBytes(line), ref pairs, out _), Is.False);
    }

    [Test]
    public void TryScan_ManyPairs_GrowsItsArray()
    {
        var line = "{" + string.Join(',', Enumerable.Range(0, 40).Select(i => $"\"k{i}\":{i}")) + "}";
        var pairs = new JsonPair[2];

        Assert.That(FlatJsonObject.TryScan(Encoding.UTF8.GetBytes(line), ref pairs, out var count), Is.True);
        Assert.That(count, Is.EqualTo(40));
    }

    [Test]
    public void TryScan_MutatedLines_WhatItTakesTheReaderReadsWithTheSamePairs()
    {
        // Lines made from the seeds by random edits with JSON's own bytes; every one the scanner
        // takes must read without error, with the same pairs and nothing after the object.
        var random = new Random(20261207);
        const string Alphabet = "{}[]\":,\\ \t\n.-+eE0123456789tfnrulsax\u0001é";
        var pairs = new JsonPair[4];
        var taken = 0;
        var left = 0;
        for (var n = 0; n < 100_000; n++)
        {
            var line = new StringBuilder(Seeds[random.Next(Seeds.Length)]);
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(line.Length + 1);
                var with = Alphabet[random.Next(Alphabet.Length)];
                switch (random.Next(3))
                {
                    case 0:
                        line.Insert(at, with);
                        break;
                    case 1 when at < line.Length:
                        line.Remove(at, 1);
                        break;
                    case 2 when at < line.Length:
                        line[at] = with;
                        break;
                }
            }

            var text = Encoding.UTF8.GetBytes(line.ToString());
            if (!FlatJsonObject.TryScan(text, ref pairs, out var count))
            {
                left++;
                continue;
            }

            taken++;
            var scanned = pairs.Take(count).Select(p => Describe(text, p.KeyStart, p.KeyLength, p.ValueStart, p.ValueLength, p.Kind.ToString())).ToList();
            Assert.That(ReadPairs(text), Is.EqualTo(scanned), $"the reader differs on: {line}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.GreaterThan(10_000), "the mutations leave many lines plain");
            Assert.That(left, Is.GreaterThan(10_000), "and make many that are not");
        });
    }

    // The pairs as Utf8JsonReader sees them, failing the test when it would reject the line or
    // finds more than one flat object with no escapes.
    private static List<string> ReadPairs(byte[] text)
    {
        var pairs = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(text, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            Assert.That(reader.Read() && reader.TokenType == JsonTokenType.StartObject, Is.True, "an object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                Assert.That(reader.ValueIsEscaped, Is.False, "a key with no escape");
                var key = reader.ValueSpan.ToArray();
                var keyStart = (int)reader.TokenStartIndex + 1;
                Assert.That(reader.Read(), Is.True);
                var kind = reader.TokenType switch
                {
                    JsonTokenType.String when !reader.ValueIsEscaped => "String",
                    JsonTokenType.Number => "Number",
                    JsonTokenType.True or JsonTokenType.False => "Literal",
                    JsonTokenType.Null => "Null",
                    var other => $"not flat: {other}",
                };
                var valueStart = (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
                Assert.That(text.AsSpan(keyStart, key.Length).SequenceEqual(key), Is.True);
                pairs.Add(Describe(text, keyStart, key.Length, valueStart, reader.ValueSpan.Length, kind));
            }

            Assert.That(reader.TokenType, Is.EqualTo(JsonTokenType.EndObject));
            Assert.That(reader.Read(), Is.False, "nothing after the object");
        }
        catch (JsonException e)
        {
            Assert.Fail($"the reader rejects it: {e.Message}");
        }

        return pairs;
    }

    private static string Describe(byte[] text, int keyStart, int keyLength, int valueStart, int valueLength, string kind) =>
        $"{keyStart}+{keyLength}:{Encoding.UTF8.GetString(text, keyStart, keyLength)} = {valueStart}+{valueLength}:{Encoding.UTF8.GetString(text, valueStart, valueLength)} ({kind})";
}
