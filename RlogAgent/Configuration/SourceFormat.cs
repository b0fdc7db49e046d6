namespace RlogAgent.Configuration;

/// <summary>How a source's lines are written (<c>format</c> in a source of agent.yaml; default <c>plain</c>).</summary>
public enum SourceFormat
{
    /// <summary><c>plain</c>: every line is an event's text as it is; the time is when the agent read it.</summary>
    Plain,

    /// <summary>
    /// <c>cri</c>: CRI-O and containerd records, <c>&lt;RFC 3339 time&gt; &lt;stdout|stderr&gt; &lt;P|F&gt; &lt;message&gt;</c>;
    /// <c>P</c> (partial) records are joined with the following ones up to the <c>F</c> (full) one.
    /// </summary>
    Cri,

    /// <summary>
    /// <c>docker</c>: Docker's json-file records, <c>{"log":"...\n","stream":"stdout","time":"..."}</c>;
    /// a <c>log</c> without its final <c>\n</c> (the daemon splits long lines at 16 KiB) is joined with the next record.
    /// </summary>
    Docker,
}
