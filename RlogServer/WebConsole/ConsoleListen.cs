using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using RlogServer.Common;

namespace RlogServer.WebConsole;

/// <summary>
/// The console's listening address (<c>--console-listen</c>): where Kestrel binds, and the
/// names a request's <c>Host</c> may carry (the address itself, loopback names for a loopback
/// address, every local address for an every-interface one, plus <c>--console-hosts</c>).
/// </summary>
internal sealed record ConsoleListen(IPAddress Address, int Port)
{
    /// <summary>
    /// <c>host:port</c>, <c>[v6]:port</c>, a bare <c>:port</c> (loopback), or <c>localhost:port</c>;
    /// port 0 picks a free one. Throws <see cref="ArgumentException"/> naming the option otherwise.
    /// </summary>
    public static ConsoleListen Parse(string listen)
    {
        var (host, port) = ListenAddress.Parse(listen, "--console-listen", "127.0.0.1:8080", allowAnyPort: true);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ConsoleListen(IPAddress.Loopback, port);
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            throw new ArgumentException(
                $"--console-listen: '{listen}' does not name an IP address (for example 127.0.0.1:8080, or 0.0.0.0:8080 for every interface); name the host in --console-hosts",
                nameof(listen));
        }

        return new ConsoleListen(address, port);
    }

    /// <summary>Whether this binds every interface.</summary>
    public bool IsAnyAddress => Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any);

    /// <summary>Host names requests may carry, in the form ASP.NET Core host filtering takes.</summary>
    public IReadOnlyList<string> AllowedHosts(IEnumerable<string> extraNames)
    {
        var hosts = new List<string>();
        void Add(IPAddress address) => hosts.Add(address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString());

        if (IsAnyAddress)
        {
            foreach (var unicast in NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(network => network.GetIPProperties().UnicastAddresses))
            {
                Add(unicast.Address.ScopeId == 0 ? unicast.Address : new IPAddress(unicast.Address.GetAddressBytes()));
            }

            hosts.Add("localhost");
        }
        else
        {
            Add(Address);
            if (IPAddress.IsLoopback(Address))
            {
                Add(IPAddress.Loopback);
                Add(IPAddress.IPv6Loopback);
                hosts.Add("localhost");
            }
        }

        hosts.AddRange(extraNames.Where(name => name.Length > 0));
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
