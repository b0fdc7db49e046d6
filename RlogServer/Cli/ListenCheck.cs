using System.Net;
using System.Net.Sockets;

namespace RlogServer.Cli;

/// <summary>
/// Tells, before the host starts, that a port in <c>--urls</c> is taken: one line that says what to
/// do, instead of the host's failure to start with its stack trace. A port freed or taken between
/// this check and the start is still reported by the host.
/// </summary>
internal static class ListenCheck
{
    /// <summary>The problem with the first address of <paramref name="urls"/> that cannot be bound now, or null.</summary>
    public static string? FindTakenPort(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port == 0 || Address(uri.Host) is not { } address)
            {
                continue;
            }

            try
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                // As Kestrel binds on Linux: connections of a server just stopped (TIME_WAIT) do not
                // hold the port; only a listener does.
                if (!OperatingSystem.IsWindows())
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }

                socket.Bind(new IPEndPoint(address, uri.Port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return $"--urls {url}: port {uri.Port} is already in use by another process; stop it or choose another port";
            }
            catch (SocketException)
            {
                // Not ours to judge (an address of another host, no IPv6): the host says what it finds.
            }
        }

        return null;
    }

    private static IPAddress? Address(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" or "0.0.0.0" => IPAddress.Any,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : null,
    };
}
