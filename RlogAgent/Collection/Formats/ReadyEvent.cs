using RlogAgent.Pipeline;
namespace RlogAgent.Collection.Formats;

/// <summary>An event held by <see cref="ReadyEventQueue"/>: where its text is in the queue's buffer, and what goes with it.</summary>
internal record struct ReadyEvent(int Start, int Length, long Offset, long ReadFrom, long NextOffset, RecordTimestamp? Time, LogIoStream Stream, bool Cut)
{
    /// <summary>Set when the call's events are delivered: see <see cref="AssembledEvent.ResumeOffset"/>.</summary>
    public long ResumeOffset { get; set; }
}
