namespace RlogAgent.Configuration;

/// <summary><c>parse.format</c>: how an event's text is read for its time, level and fields.</summary>
public enum ParseFormat
{
    /// <summary>A JSON object per event (<c>{"ts":...,"level":"info","msg":...}</c>).</summary>
    Json,

    /// <summary><c>key=value</c> pairs separated by spaces, values optionally quoted (<c>level=info msg="a b"</c>).</summary>
    Logfmt,

    /// <summary>A .NET regular expression with named groups; <c>time</c> and <c>level</c> are the event's time and level.</summary>
    Regex,
}
