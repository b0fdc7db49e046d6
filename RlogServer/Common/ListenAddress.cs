namespace RlogServer.Common;

/// <summary>The listening addresses the server's flags take (<c>--metrics-listen</c>, <c>--console-listen</c>).</summary>
internal static class ListenAddress
{
    /// <summary>
    /// <c>host:port</c>, <c>[v6]:port</c>, or a bare <c>:port</c> or <c>port</c> (loopback); throws
    /// <see cref="ArgumentException"/> naming <paramref name="option"/> otherwise. Port 0 (a free
    /// port) only when <paramref name="allowAnyPort"/>.
    /// </summary>
    public static (string Host, int Port) Parse(
        string listen, string option = "--metrics-listen", string example = "127.0.0.1:9465", bool allowAnyPort = false)
    {
        var text = listen.Trim();
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? string.Empty : text[..colon].Trim('[', ']');
        var portText = colon < 0 ? text : text[(colon + 1)..];
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port > 65535 || (port == 0 && !allowAnyPort))
        {
            throw new ArgumentException($"{option}: '{listen}' is not host:port (for example {example})", nameof(listen));
        }

        return (host.Length == 0 ? "127.0.0.1" : host, port);
    }
}
