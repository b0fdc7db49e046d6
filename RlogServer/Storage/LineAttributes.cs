using System.Text;
using System.Text.Json;
using Google.Protobuf.Collections;

namespace RlogServer.Storage;

/// <summary>
/// <c>Log.attributes</c> as the engines store them: a JSON object of strings, or null (no row
/// space) when a line has none, which is most lines today.
/// </summary>
public static class LineAttributes
{
    /// <summary>The empty map, shared.</summary>
    public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>The map as a JSON object, or null when it is empty.</summary>
    public static string? ToJson(MapField<string, string> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in attributes)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The map stored as <paramref name="json"/>; empty for null.</summary>
    public static IReadOnlyDictionary<string, string> FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return None;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = reader.GetString() ?? string.Empty;
        }

        return map;
    }
}
