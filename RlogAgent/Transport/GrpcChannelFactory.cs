using System.IO.Compression;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using RlogAgent.Configuration;

namespace RlogAgent.Transport;

/// <summary>
/// The one channel the sender, the heartbeat and the token refresher share. HTTP/2 keepalive pings
/// notice a dead connection within seconds instead of at the next TCP timeout. https:// uses TLS,
/// with a private CA and a client certificate when <c>tls</c> says so.
/// </summary>
public static class GrpcChannelFactory
{
    public static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The contract's message size limit; batches are kept under it.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    public static GrpcChannel Create(AgentOptions options)
    {
        ConfigLoader.TryServerUri(options.ServerAddr, out var address);
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingDelay = KeepAlivePingDelay,
            KeepAlivePingTimeout = KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
        };
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
