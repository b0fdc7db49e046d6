namespace RlogServer.WebConsole;

/// <summary>A request parameter is wrong: the API answers 400 with <see cref="Exception.Message"/>, which names it.</summary>
internal sealed class BadParameterException : Exception
{
    public BadParameterException()
    {
    }

    public BadParameterException(string message)
        : base(message)
    {
    }

    public BadParameterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>"<paramref name="parameter"/>: <paramref name="problem"/>".</summary>
    public static BadParameterException For(string parameter, string problem) => new($"{parameter}: {problem}");
}
