using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>
/// <c>format: cri</c>: the records CRI-O and containerd write for the kubelet,
/// <c>&lt;RFC 3339 time&gt; SP &lt;stdout|stderr&gt; SP &lt;tags&gt; SP &lt;message&gt;</c>, where the
/// first of the <c>:</c>-separated tags is <c>P</c> (partial: the message goes on in the next record of
/// the stream) or <c>F</c> (full). A record with nothing after its tags has an empty message.
/// The message is a slice of the line: nothing is copied.
/// </summary>
public sealed class CriRecordDecoder : RecordDecoder
{
    public override bool StripsCarriageReturn => true;

    public override bool TryDecode(ReadOnlySpan<byte> line, out DecodedRecord record)
    {
        record = default;
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || !RecordTimestamp.TryParseRfc3339(line[..space], out var time))
        {
            return false;
        }

        var rest = line[(space + 1)..];
        space = rest.IndexOf((byte)' ');
        if (space < 0)
        {
            return false;
        }

        LogIoStream stream;
        if (rest[..space].SequenceEqual("stdout"u8))
        {
            stream = LogIoStream.Stdout;
        }
        else if (rest[..space].SequenceEqual("stderr"u8))
        {
            stream = LogIoStream.Stderr;
        }
        else
        {
            return false;
        }

        rest = rest[(space + 1)..];
        space = rest.IndexOf((byte)' ');
        var tags = space < 0 ? rest : rest[..space];
        var message = space < 0 ? [] : rest[(space + 1)..];
        var colon = tags.IndexOf((byte)':');
        var first = colon < 0 ? tags : tags[..colon];
        bool partial;
        if (first.SequenceEqual("P"u8))
        {
            partial = true;
        }
        else if (first.SequenceEqual("F"u8))
        {
            partial = false;
        }
        else
        {
            return false;
        }

        record = new DecodedRecord(message, time, stream, partial);
        return true;
    }
}
