using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>
/// One record as a <see cref="RecordDecoder"/> understood it. <see cref="Message"/> is valid until the
/// decoder's next call: it points into the line, or into the decoder's own buffer when it had to be unescaped.
/// </summary>
public readonly ref struct DecodedRecord
{
    public DecodedRecord(ReadOnlySpan<byte> message, RecordTimestamp? time, LogIoStream stream, bool isPartial)
    {
        Message = message;
        Time = time;
        Stream = stream;
        IsPartial = isPartial;
    }

    /// <summary>The message, UTF-8 as written (it may hold invalid sequences), without the record's own line end.</summary>
    public ReadOnlySpan<byte> Message { get; }

    /// <summary>The record's time, or null when the format carries none.</summary>
    public RecordTimestamp? Time { get; }

    public LogIoStream Stream { get; }

    /// <summary>True when the message goes on in the next record of the same stream (CRI <c>P</c>; a Docker <c>log</c> without its final <c>\n</c>).</summary>
    public bool IsPartial { get; }

    /// <summary>A line that does not parse, taken as it is: a complete message with no time and no stream.</summary>
    public static DecodedRecord Unparsed(ReadOnlySpan<byte> line) => new(line, null, LogIoStream.None, isPartial: false);
}
