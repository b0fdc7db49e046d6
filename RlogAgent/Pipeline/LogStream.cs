namespace RlogAgent.Pipeline;

/// <summary>The container stream a record was written to (<c>log.iostream</c>), when its format records it.</summary>
public enum LogStream : byte
{
    None = 0,
    Stdout = 1,
    Stderr = 2,
}
