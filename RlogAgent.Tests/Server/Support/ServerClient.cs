using Grpc.Core;
using Grpc.Net.Client;
using Rlog.V1;
using RlogAgent.Tests.Support;

namespace RlogAgent.Tests.Server.Support;

/// <summary>A real gRPC client of a <see cref="TestServer"/>: one channel, the three rlog.v1 clients.</summary>
internal sealed class ServerClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _channel;

    public ServerClient(Uri address, HttpMessageHandler? handler = null)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler(),
            DisposeHttpClient = true,
        });
        Auth = new AuthService.AuthServiceClient(_channel);
        Logs = new LogService.LogServiceClient(_channel);
        Health = new HealthService.HealthServiceClient(_channel);
    }

    public AuthService.AuthServiceClient Auth { get; }

    public LogService.LogServiceClient Logs { get; }

    public HealthService.HealthServiceClient Health { get; }

    public static Metadata Bearer(string accessToken) => new() { { "authorization", $"Bearer {accessToken}" } };

    public Task<RegisterResponse> RegisterAsync(string agentUuid = "", string projectKey = TestServer.ProjectKey, string agentSecret = "") =>
        Auth.RegisterAsync(new RegisterRequest
        {
            ProjectKey = projectKey,
            AgentUuid = agentUuid,
            AgentSecret = agentSecret,
            Hostname = "test-host",
            Os = "linux",
            AgentVersion = "0.1.0-test",
        }).ResponseAsync.WaitAsync(Timeout);

    public Task<RefreshResponse> RefreshAsync(string agentUuid, string refreshToken) =>
        Auth.RefreshAsync(new RefreshRequest { AgentUuid = agentUuid, RefreshToken = refreshToken })
            .ResponseAsync.WaitAsync(Timeout);

    /// <summary>Sends <paramref name="batches"/> on one Send call and awaits its answer.</summary>
    public async Task SendAsync(Metadata? headers, params LogBatch[] batches)
    {
        using var call = Logs.Send(headers);
        try
        {
            foreach (var batch in batches)
            {
                await call.RequestStream.WriteAsync(batch).WaitAsync(Timeout);
            }

            await call.RequestStream.CompleteAsync().WaitAsync(Timeout);
        }
        catch (RpcException)
        {
            // The server ended the call while we wrote; its answer says why, as it does for an agent.
            await call.ResponseAsync.WaitAsync(Timeout);
            throw;
        }

        await call.ResponseAsync.WaitAsync(Timeout);
    }

    public Task SendAsync(string accessToken, params LogBatch[] batches) => SendAsync(Bearer(accessToken), batches);

    public void Dispose() => _channel.Dispose();
}
