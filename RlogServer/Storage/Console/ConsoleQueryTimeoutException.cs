namespace RlogServer.Storage.Console;

/// <summary>A console query ran past the server's statement timeout (the API answers 503).</summary>
public sealed class ConsoleQueryTimeoutException : Exception
{
    public ConsoleQueryTimeoutException()
    {
    }

    public ConsoleQueryTimeoutException(string message)
        : base(message)
    {
    }

    public ConsoleQueryTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
