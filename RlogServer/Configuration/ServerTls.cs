using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace RlogServer.Configuration;

/// <summary>Kestrel's https settings from <see cref="ServerOptions"/>: the server certificate and, for mutual TLS, the CA client certificates must chain to.</summary>
internal static class ServerTls
{
    public static HttpsConnectionAdapterOptions HttpsOptions(ServerOptions options)
    {
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = LoadServerCertificate(options.TlsCertificatePath!, options.TlsKeyPath!),
        };
        if (options.ClientCaPath is { } caPath)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caPath);
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                return chain.Build(certificate);
            };
        }

        return https;
    }

    private static X509Certificate2 LoadServerCertificate(string certificatePath, string keyPath)
    {
        // A PEM key is ephemeral; TLS stacks want a certificate whose key they can use: round-trip PKCS#12.
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
