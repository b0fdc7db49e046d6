using System.Buffers;
using System.Text.Json;
using RlogAgent.Configuration;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// <c>parse: format: json</c>: one JSON object per event, read in place with <see cref="Utf8JsonReader"/>
/// (no string per field). The time and level come from the first of their keys present; a key with a
/// dot (<c>log.level</c>) is also looked up one object down (<c>{"log":{"level":...}}</c>). The fields
/// named (or every top-level scalar, with <c>*</c>) become attributes: strings unescaped, other
/// values as written.
/// </summary>
public sealed class JsonEventParser : IEventParser
{
    // Comments are not JSON, and skipping them costs every token a check (4 % of the agent's CPU in a profile).
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow };

    private readonly KeyChoice _keys;
    private readonly byte[] _time = new byte[64];
    private readonly byte[] _name = new byte[256];
    private readonly byte[] _inner = new byte[256];
    private readonly byte[] _dotted = new byte[512];
    private JsonPair[] _pairs = new JsonPair[16];

    public JsonEventParser(ParseOptions options)
    {
        _keys = new KeyChoice(options);
    }

    public void Parse(ReadOnlySpan<byte> text, ParsedEvent result)
    {
        var opening = text.TrimStart(" \t"u8);
        if (opening.IsEmpty || opening[0] != (byte)'{')
        {
            result.Failure = "it is not a JSON object";
            return;
        }

        var chosen = Chosen.None;
        if (FlatJsonObject.TryScan(text, ref _pairs, out var count))
        {
            // The common case, a flat object with no escapes, scanned in one pass (FlatJsonObject).
            foreach (var pair in _pairs.AsSpan(0, count))
            {
                var key = text.Slice(pair.KeyStart, pair.KeyLength);
                if (pair.Kind != JsonScalarKind.Null && (_keys.AllFields || _keys.MayMatter(key)))
                {
                    ConsiderValue(key, text.Slice(pair.ValueStart, pair.ValueLength), pair.Kind, depth: 0, result, ref chosen);
                }
            }

            SetTime(chosen, result);
            return;
        }

        var reader = new Utf8JsonReader(text, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                result.Failure = "it is not a JSON object";
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = Name(ref reader, _name);
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    if (reader.TokenType == JsonTokenType.StartObject && !key.IsEmpty)
                    {
                        LookInside(ref reader, key, result, ref chosen);
                    }
                    else
                    {
                        reader.Skip();
                    }

                    if (KeyChoice.Rank(_keys.Fields, key) >= 0)
                    {
                        result.Attributes.Add(key, text[start..(int)reader.BytesConsumed]);
                    }

                    continue;
                }

                Consider(ref reader, key, depth: 0, result, ref chosen);
            }
        }
        catch (JsonException e)
        {
            result.Failure = $"it is not valid JSON ({e.Message})";
            return;
        }

        SetTime(chosen, result);
    }

    private void SetTime(in Chosen chosen, ParsedEvent result)
    {
        if (chosen.TimeLength >= 0)
        {
            _keys.SetTime(_time.AsSpan(0, chosen.TimeLength), chosen.TimeIsNumber, result);
        }
    }

    /// <summary>A scalar the reader is on, under <paramref name="key"/>: unescaped when it must be, then <see cref="ConsiderValue"/>.</summary>
    private void Consider(ref Utf8JsonReader reader, scoped ReadOnlySpan<byte> key, int depth, ParsedEvent result, ref Chosen chosen)
    {
        if (reader.TokenType == JsonTokenType.Null || (!_keys.AllFields && !_keys.MayMatter(key)))
        {
            return;
        }

        var kind = reader.TokenType switch
        {
            JsonTokenType.String => JsonScalarKind.String,
            JsonTokenType.Number => JsonScalarKind.Number,
            _ => JsonScalarKind.Literal,
        };
        var rented = kind == JsonScalarKind.String && reader.ValueIsEscaped ? ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length) : null;
        try
        {
            var value = rented is null ? reader.ValueSpan : rented.AsSpan(0, reader.CopyString(rented));
            ConsiderValue(key, value, kind, depth, result, ref chosen);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A scalar (not null) under <paramref name="key"/>, strings unescaped: the time, the level, a field, or nothing.</summary>
    private void ConsiderValue(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> value, JsonScalarKind kind, int depth, ParsedEvent result, ref Chosen chosen)
    {
        var time = KeyChoice.Rank(_keys.TimeKeys, key);
        if (time >= 0 && time < chosen.TimeRank && value.Length <= _time.Length && kind is JsonScalarKind.String or JsonScalarKind.Number)
        {
            chosen.TimeRank = time;
            chosen.TimeLength = value.Length;
            chosen.TimeIsNumber = kind == JsonScalarKind.Number;
            value.CopyTo(_time);
        }

        var level = KeyChoice.Rank(_keys.LevelKeys, key);
        if (level >= 0 && level < chosen.LevelRank && result.TrySetLevel(value))
        {
            chosen.LevelRank = level;
        }

        if (depth == 0 && ((_keys.AllFields && time < 0 && level < 0) || KeyChoice.Rank(_keys.Fields, key) >= 0))
        {
            result.Attributes.Add(key, value);
        }
    }

    /// <summary>An object under <paramref name="outer"/>: its scalars are looked at as <c>outer.key</c> (log.level).</summary>
    private void LookInside(ref Utf8JsonReader reader, scoped ReadOnlySpan<byte> outer, ParsedEvent result, ref Chosen chosen)
    {
        var dotted = _dotted.AsSpan();
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var key = Name(ref reader, _inner);
            reader.Read();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            if (outer.Length + 1 + key.Length <= dotted.Length && !key.IsEmpty)
            {
                outer.CopyTo(dotted);
                dotted[outer.Length] = (byte)'.';
                key.CopyTo(dotted[(outer.Length + 1)..]);
                Consider(ref reader, dotted[..(outer.Length + 1 + key.Length)], depth: 1, result, ref chosen);
            }
        }
    }

    /// <summary>The property name, unescaped into <paramref name="scratch"/> when it must be; empty when too long to be a key looked for.</summary>
    private static ReadOnlySpan<byte> Name(ref Utf8JsonReader reader, byte[] scratch)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        return reader.ValueSpan.Length <= scratch.Length ? scratch.AsSpan(0, reader.CopyString(scratch)) : [];
    }

    /// <summary>What the event's keys chose so far: the time's and the level's key rank (lower wins), and where the time's text is.</summary>
    private struct Chosen
    {
        public static readonly Chosen None = new() { TimeRank = int.MaxValue, LevelRank = int.MaxValue, TimeLength = -1 };

        public int TimeRank;
        public int TimeLength;
        public bool TimeIsNumber;
        public int LevelRank;
    }
}
