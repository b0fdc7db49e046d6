namespace RlogAgent.Configuration;

/// <summary>
/// The <c>metrics</c> section of agent.yaml: the agent's own Prometheus endpoint. Off unless
/// <see cref="Listen"/> is set.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// Where <c>/metrics</c> is served: <c>host:port</c> (<c>127.0.0.1:9464</c>, <c>0.0.0.0:9464</c>,
    /// <c>[::1]:9464</c>), or <c>:port</c> or a bare port, which mean loopback. Default: empty, no endpoint.
    /// </summary>
    public string Listen { get; set; } = "";

    /// <summary>True when an endpoint is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Listen);
}
