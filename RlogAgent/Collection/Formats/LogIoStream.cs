namespace RlogAgent.Collection.Formats;

/// <summary>The output a container record came from: the value of the <c>log.iostream</c> attribute.</summary>
public enum LogIoStream
{
    /// <summary>Not known: plain lines, and records that do not parse. No <c>log.iostream</c> attribute.</summary>
    None,

    /// <summary>The container's standard output: <c>log.iostream=stdout</c>.</summary>
    Stdout,

    /// <summary>The container's standard error: <c>log.iostream=stderr</c>.</summary>
    Stderr,
}
