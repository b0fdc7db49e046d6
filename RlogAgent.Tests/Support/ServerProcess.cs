using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RlogAgent.Tests.Support;

/// <summary>The reference server as a real process (<c>dotnet rlog-server.dll</c>), so a test can kill it with SIGKILL.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ServerProcess> StartAsync(string database, int port = 0)
    {
        if (port == 0)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(BuildOutput.Find("RlogServer", "rlog-server.dll"));
        foreach (var argument in new[] { "--urls", $"http://127.0.0.1:{port}", "--db", database, "--project-key", TestServer.ProjectKey })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) => TestContext.Progress.WriteLine("[server] " + e.Data);
        process.ErrorDataReceived += (_, e) => TestContext.Progress.WriteLine("[server] " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        await Eventually.WaitAsync(server.Accepts, "the server process listens");
        return server;
    }

    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Address.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
