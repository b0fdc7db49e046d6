using RlogAgent.Configuration;

namespace RlogAgent.Collection.Formats;

/// <summary>
/// Turns one raw line of a file (without its line terminator) into a record of the source's format.
/// One instance per file: a decoder may keep a buffer between calls. Not thread-safe.
/// </summary>
public abstract class RecordDecoder
{
    /// <summary>
    /// True when a complete record's trailing <c>\r</c> is part of its line end and is removed once
    /// its partial records are joined (Docker and CRI keep what the program wrote, CRLF included;
    /// plain lines had theirs removed by the reader already).
    /// </summary>
    public abstract bool StripsCarriageReturn { get; }

    /// <summary>The decoder for <paramref name="format"/>.</summary>
    public static RecordDecoder For(SourceFormat format) => format switch
    {
        SourceFormat.Plain => new PlainRecordDecoder(),
        SourceFormat.Cri => new CriRecordDecoder(),
        SourceFormat.Docker => new DockerJsonRecordDecoder(),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown source format"),
    };

    /// <summary>
    /// Decodes <paramref name="line"/>. False when it is not a record of this format; never throws on
    /// any input. The record's message is valid until the next call.
    /// </summary>
    public abstract bool TryDecode(ReadOnlySpan<byte> line, out DecodedRecord record);
}
