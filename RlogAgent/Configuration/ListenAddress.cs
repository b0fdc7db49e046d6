using System.Globalization;
using System.Net;

namespace RlogAgent.Configuration;

/// <summary>
/// A parsed <c>metrics.listen</c> value. A missing host means loopback, so turning the endpoint on
/// never exposes it beyond the host by accident; <c>0.0.0.0</c>, <c>::</c> or <c>*</c> mean every interface.
/// </summary>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>The host used when the value names only a port.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>True when the address means every interface rather than one.</summary>
    public bool IsWildcard => Host is "0.0.0.0" or "::" or "*" or "+";

    /// <summary>Accepts <c>host:port</c>, <c>[v6]:port</c>, <c>:port</c> and <c>port</c>.</summary>
    public static bool TryParse(string text, out ListenAddress address)
    {
        address = null!;
        text = text.Trim();
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon < 0 ? "" : text[..colon];
            port = colon < 0 ? text : text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal) || host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal))
            {
                // An IPv6 address must be bracketed so its colons are not taken for the port's.
                return false;
            }
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            return false;
        }

        address = new ListenAddress(host.Length == 0 ? DefaultHost : host, number);
        return true;
    }

    /// <summary>The address as <c>host:port</c>, IPv6 hosts in brackets.</summary>
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
