using System.IO.Compression;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using RlogAgent.Configuration;

namespace RlogAgent.Transport;

/// <summary>
/// The one channel the sender, the heartbeat and the token refresher share. HTTP/2 keepalive pings
/// (<c>keepalive_interval</c>, <c>keepalive_timeout</c>) notice a dead connection under an open call
/// instead of at the next TCP timeout; they are sent only while a call is open, because grpc-go and
/// grpc-java servers by default answer pings on an idle connection more often than every 5 minutes
/// with GOAWAY <c>too_many_pings</c>. https:// uses TLS, with a private CA and a client certificate
/// when <c>tls</c> says so.
/// </summary>
public static class GrpcChannelFactory
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The contract's message size limit; batches are kept under it.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The channel to <c>server_addr</c>. With <paramref name="connections"/>, its TCP connections
    /// are opened through it, so a sender can drop them after a timeout (see <see cref="ServerConnections"/>).
    /// </summary>
    public static GrpcChannel Create(AgentOptions options, ServerConnections? connections = null)
    {
        ConfigLoader.TryServerUri(options.ServerAddr, out var address);
        var handler = CreateHandler(options);
        if (connections is not null)
        {
            handler.ConnectCallback = connections.ConnectAsync;
        }

        if (address.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = SslOptions(options.Tls);
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxSendMessageSize = MaxMessageBytes,
            MaxReceiveMessageSize = MaxMessageBytes,
            CompressionProviders = [new GzipCompressionProvider(CompressionLevel.Fastest)],
            DisposeHttpClient = true,
        });
    }

    /// <summary>The HTTP handler under the channel, keepalive as configured; TLS is added by <see cref="Create"/>.</summary>
    public static SocketsHttpHandler CreateHandler(AgentOptions options) => new()
    {
        KeepAlivePingDelay = options.KeepaliveInterval,
        KeepAlivePingTimeout = options.KeepaliveTimeout,
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = ConnectTimeout,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        EnableMultipleHttp2Connections = true,
    };

    private static SslClientAuthenticationOptions SslOptions(TlsOptions tls)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (tls.CaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(tls.CaFile);
            ssl.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            ssl.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }

        if (tls.CertFile is not null && tls.KeyFile is not null)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)];
        }

        return ssl;
    }
}
