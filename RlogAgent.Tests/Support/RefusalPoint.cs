namespace RlogAgent.Tests.Support;

/// <summary>When <see cref="FaultInjector"/> answers a batch it refuses.</summary>
public enum RefusalPoint
{
    /// <summary>At once, while the agent may still be writing: the call ends as the batch is read.</summary>
    MidStream,

    /// <summary>When the agent completes the call: the call's other batches are stored, the refused one is not.</summary>
    CallEnd,
}
