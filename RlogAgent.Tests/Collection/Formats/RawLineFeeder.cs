using System.Text;
using RlogAgent.Collection.Formats;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>Splits file content as the reader does (LF or CRLF, byte offsets) and hands each complete line to an assembler.</summary>
public static class RawLineFeeder
{
    /// <summary>Feeds the complete lines of <paramref name="content"/>, which starts at file offset <paramref name="startOffset"/>; returns where the next line starts.</summary>
    public static long Feed(EventAssembler assembler, string content, IEventSink sink, long startOffset = 0) =>
        Feed(assembler, Encoding.UTF8.GetBytes(content), sink, startOffset);

    public static long Feed(EventAssembler assembler, byte[] content, IEventSink sink, long startOffset = 0)
    {
        var position = 0;
        while (true)
        {
            var newline = content.AsSpan(position).IndexOf((byte)'\n');
            if (newline < 0)
            {
                return startOffset + position;
            }

            var end = position + newline;
            var textEnd = end > position && content[end - 1] == (byte)'\r' ? end - 1 : end;
            assembler.Add(content.AsSpan(position, textEnd - position), startOffset + position, startOffset + end + 1, sink);
            position = end + 1;
        }
    }

    /// <summary>The byte offset at which each line of <paramref name="content"/> starts.</summary>
    public static long[] LineOffsets(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var offsets = new List<long> { 0 };
        for (var i = 0; i < bytes.Length - 1; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                offsets.Add(i + 1);
            }
        }

        return [.. offsets];
    }
}
