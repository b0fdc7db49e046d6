using System.Net;
using System.Net.Sockets;

namespace RlogAgent.Tests.Server.Support;

/// <summary>
/// A loopback TCP proxy standing in for a load balancer in front of server replicas: every
/// connection it accepts goes to the current target; <see cref="SwitchTo"/> points new
/// connections elsewhere and drops the open ones, as a balancer does when a replica dies.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly List<CancellationTokenSource> _copies = [];
    private readonly List<TcpClient> _frozen = [];
    private readonly Task _accepting;
    private volatile int _targetPort;

    public TcpForwarder(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where agents connect: <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Sends new connections to <paramref name="targetPort"/> and closes every open one.</summary>
    public void SwitchTo(int targetPort)
    {
        _targetPort = targetPort;
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>
    /// The open connections stop moving bytes in both directions and stay open, as through a NAT or
    /// firewall that dropped their state; new connections are forwarded as usual.
    /// </summary>
    public void FreezeOpenConnections()
    {
        lock (_open)
        {
            foreach (var copy in _copies)
            {
                copy.Cancel();
            }

            _copies.Clear();
            _frozen.AddRange(_open);
            _open.Clear();
        }
    }

    /// <summary>Connections forwarded so far.</summary>
    public int Accepted { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        SwitchTo(_targetPort);
        lock (_open)
        {
            _frozen.ForEach(c => c.Dispose());
            _frozen.Clear();
        }

        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        using var copying = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        lock (_open)
        {
            _open.Add(client);
            _open.Add(upstream);
            _copies.Add(copying);
            Accepted++;
        }

        var frozen = false;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var downstream = client.GetStream();
            var up = upstream.GetStream();
            // When either direction ends (a killed replica resets its side), both sockets close.
            await Task.WhenAny(downstream.CopyToAsync(up, copying.Token), up.CopyToAsync(downstream, copying.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone (the agent reconnects), or frozen.
        }
        finally
        {
            lock (_open)
            {
                frozen = _frozen.Contains(client);
                _open.Remove(client);
                _open.Remove(upstream);
                _copies.Remove(copying);
            }

            if (!frozen)
            {
                client.Dispose();
                upstream.Dispose();
            }
            else
            {
                lock (_open)
                {
                    _frozen.Add(upstream);
                }
            }
        }
    }
}
