namespace RlogAgent.Pipeline;

/// <summary>
/// The output a container record came from: the value of the <c>log.iostream</c> attribute, when
/// the source's format records it. One byte: every line entry carries it.
/// </summary>
public enum LogIoStream : byte
{
    /// <summary>Not known: plain lines, and records that do not parse. No <c>log.iostream</c> attribute.</summary>
    None = 0,

    /// <summary>The container's standard output: <c>log.iostream=stdout</c>.</summary>
    Stdout = 1,

    /// <summary>The container's standard error: <c>log.iostream=stderr</c>.</summary>
    Stderr = 2,
}
