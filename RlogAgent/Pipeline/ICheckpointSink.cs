namespace RlogAgent.Pipeline;

/// <summary>
/// How confirmation flows back from transport to collection without either knowing the other:
/// the sender reports, per file, the end of the last line the server has confirmed.
/// </summary>
public interface ICheckpointSink
{
    /// <summary>The server stored every line of <paramref name="fileId"/> before <paramref name="nextOffset"/>.</summary>
    void Confirm(string fileId, long nextOffset);
}
