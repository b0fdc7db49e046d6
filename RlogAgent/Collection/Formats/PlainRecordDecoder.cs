using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary><c>format: plain</c>: every line is a complete message, with no time and no stream.</summary>
public sealed class PlainRecordDecoder : RecordDecoder
{
    public override bool StripsCarriageReturn => false;

    public override bool TryDecode(ReadOnlySpan<byte> line, out DecodedRecord record)
    {
        record = new DecodedRecord(line, null, LogIoStream.None, isPartial: false);
        return true;
    }
}
