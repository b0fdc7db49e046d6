namespace RlogAgent.Collection.Parsing;

/// <summary>Reads one event's text (UTF-8) for its time, level and fields.</summary>
public interface IEventParser
{
    /// <summary>Fills <paramref name="result"/> (reset by the caller); sets its Failure when the text is not of the parser's format.</summary>
    void Parse(ReadOnlySpan<byte> text, ParsedEvent result);
}
