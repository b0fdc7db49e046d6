using RlogAgent.Collection.Joining;
namespace RlogAgent.Collection.Formats;

/// <summary>Where a <see cref="PartialRecordJoiner"/> hands its lines: a <see cref="MultilineJoiner"/>, or straight out as events.</summary>
internal interface ILineTarget
{
    /// <summary>One line; <paramref name="text"/> is valid only during the call.</summary>
    void OnLine(ReadOnlySpan<byte> text, in JoinedLine line);
}
