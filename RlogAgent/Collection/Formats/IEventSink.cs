namespace RlogAgent.Collection.Formats;

/// <summary>Takes the events an <see cref="EventAssembler"/> hands out, in order, during the assembler's call.</summary>
public interface IEventSink
{
    /// <summary>
    /// One event. Its text is valid only during this call: copy or decode it before returning. An
    /// exception thrown here leaves the call's later events undelivered (they are not handed out again).
    /// </summary>
    void OnEvent(in AssembledEvent assembled);
}
