using System.Net.Sockets;

namespace RlogAgent.Transport;

/// <summary>
/// The TCP connections the channel opened to the server, so they can be dropped when a call times
/// out. A connection that stops moving bytes without closing (a NAT or firewall that forgot its state)
/// is otherwise reused by the next attempt, which hangs on it too, until keepalive gives up (up to
/// keepalive_interval + keepalive_timeout, 80 s by default). Dropping every connection after a
/// timeout makes the next attempt open a new one; a healthy connection lost with them costs one
/// reconnect. The heartbeat and the token refresher share the channel: a call of theirs on a dropped
/// connection fails and is retried as any transient failure.
/// </summary>
public sealed class ServerConnections
{
    private readonly Lock _lock = new();
    private readonly List<Socket> _open = [];

    /// <summary>Connections opened since the channel was made.</summary>
    public int Opened { get; private set; }

    /// <summary>Times <see cref="DropAll"/> closed connections.</summary>
    public int Drops { get; private set; }

    /// <summary>The handler's connect step: a plain TCP connection (TLS, when asked, is layered on it by the handler).</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        lock (_lock)
        {
            _open.RemoveAll(s => !s.Connected || s.SafeHandle.IsClosed);
            _open.Add(socket);
            Opened++;
        }

        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Closes every connection open now: calls on them fail at once, and the next call connects anew.</summary>
    public void DropAll()
    {
        Socket[] open;
        lock (_lock)
        {
            open = [.. _open];
            _open.Clear();
            Drops++;
        }

        foreach (var socket in open)
        {
            try
            {
                // Shutdown wakes whatever waits on the socket; Dispose frees it.
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }

            socket.Dispose();
        }
    }
}
