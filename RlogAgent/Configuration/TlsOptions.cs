namespace RlogAgent.Configuration;

/// <summary>
/// The <c>tls</c> section of agent.yaml, for <c>https://</c> servers. Without it, https uses the
/// system's trusted roots and no client certificate.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>PEM file of the CA that signed the server's certificate (a private CA). Default: system roots.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS; needs <see cref="KeyFile"/>. Default: none.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>. Default: none.</summary>
    public string? KeyFile { get; set; }
}
