using System.Text.Json;
using RlogAgent.Pipeline;

namespace RlogAgent.Collection.Formats;

/// <summary>
/// <c>format: docker</c>: the records of Docker's json-file driver,
/// <c>{"log":"hello\n","stream":"stdout","time":"2026-11-28T07:00:00.123456789Z"}</c>. Keys may come
/// in any order; others (<c>attrs</c>, ...) are skipped. <c>log</c> is required and must be a string;
/// <c>stream</c> and <c>time</c> may be missing (no stream; the read time), but a <c>time</c> that is
/// not RFC 3339 makes the record unparsed. A <c>log</c> that ends in <c>\n</c> is complete and loses
/// that <c>\n</c>; one that does not is partial (the daemon splits long lines at 16 KiB). Escapes are
/// undone by <see cref="JsonStringUnescaper"/>; a line that is not one JSON object (truncated, two
/// objects, an escape JSON does not define) does not parse. Read with <see cref="Utf8JsonReader"/>:
/// no reflection, so it stays NativeAOT-safe.
/// </summary>
public sealed class DockerJsonRecordDecoder : RecordDecoder
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    private byte[] _unescaped = [];

    public override bool StripsCarriageReturn => true;

    public override bool TryDecode(ReadOnlySpan<byte> line, out DecodedRecord record)
    {
        record = default;
        var start = line.IndexOfAnyExcept(" \t"u8);
        if (start < 0 || line[start] != (byte)'{')
        {
            // Not even the start of an object: no reader, no exception for the common kind of garbage.
            return false;
        }

        try
        {
            return TryRead(line, out record);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool TryRead(ReadOnlySpan<byte> line, out DecodedRecord record)
    {
        record = default;
        var reader = new Utf8JsonReader(line, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var log = ReadOnlySpan<byte>.Empty;
        var logEscaped = false;
        var haveLog = false;
        RecordTimestamp? time = null;
        var stream = LogIoStream.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("log"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                log = reader.ValueSpan;
                logEscaped = reader.ValueIsEscaped;
                haveLog = true;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                stream = reader.ValueTextEquals("stdout"u8) ? LogIoStream.Stdout
                    : reader.ValueTextEquals("stderr"u8) ? LogIoStream.Stderr
                    : LogIoStream.None;
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String || !TryReadTime(ref reader, out var parsed))
                {
                    return false;
                }

                time = parsed;
            }
            else
            {
                reader.Skip();
            }
        }

        // The object must have ended, and nothing but white space may follow it (Read throws otherwise).
        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0 || reader.Read() || !haveLog)
        {
            return false;
        }

        var message = log;
        if (logEscaped)
        {
            if (_unescaped.Length < log.Length)
            {
                _unescaped = new byte[Math.Max(log.Length, Math.Min(2 * _unescaped.Length, LineText.MaxBytes))];
            }

            message = _unescaped.AsSpan(0, JsonStringUnescaper.Unescape(log, _unescaped));
        }

        var partial = message.IsEmpty || message[^1] != (byte)'\n';
        record = new DecodedRecord(partial ? message : message[..^1], time, stream, partial);
        return true;
    }

    private static bool TryReadTime(ref Utf8JsonReader reader, out RecordTimestamp time)
    {
        time = default;
        if (!reader.ValueIsEscaped)
        {
            return RecordTimestamp.TryParseRfc3339(reader.ValueSpan, out time);
        }

        // Go never escapes a time, but JSON allows it: unescape the few bytes a time can have.
        Span<byte> text = stackalloc byte[64];
        return reader.ValueSpan.Length <= text.Length
            && RecordTimestamp.TryParseRfc3339(text[..JsonStringUnescaper.Unescape(reader.ValueSpan, text)], out time);
    }
}
