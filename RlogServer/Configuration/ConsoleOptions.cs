namespace RlogServer.Configuration;

/// <summary>
/// Settings of the console: where it listens, who may read, and when an agent counts as late
/// or down. The console is off unless <see cref="Listen"/> is set.
/// </summary>
public sealed class ConsoleOptions
{
    /// <summary>Default for <see cref="AgentLate"/>: 90 seconds without a word.</summary>
    public static readonly TimeSpan DefaultAgentLate = TimeSpan.FromSeconds(90);

    /// <summary>Default for <see cref="AgentDown"/>: 10 minutes without a word.</summary>
    public static readonly TimeSpan DefaultAgentDown = TimeSpan.FromMinutes(10);

    /// <summary>Default for <see cref="QueryTimeout"/>.</summary>
    public static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a viewer's session lasts after signing in.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    /// <summary>
    /// Where to serve the console over HTTP/1.1: <c>127.0.0.1:8080</c>, a bare <c>:8080</c>
    /// (loopback), <c>0.0.0.0:8080</c> (every interface). Null: no console.
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>Keys a viewer signs in with; at least one when the console is on.</summary>
    public IList<string> ViewerKeys { get; set; } = new List<string>();

    /// <summary>Host names, besides the listener's address, that requests may name in <c>Host</c>.</summary>
    public IList<string> Hosts { get; set; } = new List<string>();

    /// <summary>How long one console query may run on PostgreSQL before it is cancelled (503).</summary>
    public TimeSpan QueryTimeout { get; set; } = DefaultQueryTimeout;

    /// <summary>An agent not heard from for this long is <c>late</c>.</summary>
    public TimeSpan AgentLate { get; set; } = DefaultAgentLate;

    /// <summary>An agent not heard from for this long is <c>down</c>.</summary>
    public TimeSpan AgentDown { get; set; } = DefaultAgentDown;

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the setting that is wrong.</summary>
    public void Validate(IEnumerable<string> projectKeys)
    {
        if (Listen is null)
        {
            return;
        }

        if (ViewerKeys.Count == 0)
        {
            throw new InvalidOperationException(
                "--viewer-keys: the console (--console-listen) needs at least one viewer key: pass --viewer-keys K1,K2, --viewer-keys-file FILE or set RLOG_VIEWER_KEYS.");
        }

        if (ViewerKeys.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException("--viewer-keys: a viewer key is empty.");
        }

        if (ViewerKeys.Intersect(projectKeys, StringComparer.Ordinal).Any())
        {
            throw new InvalidOperationException(
                "--viewer-keys: a viewer key is also a project key; agents' keys must not open the console, so give viewers keys of their own.");
        }

        if (AgentLate <= TimeSpan.Zero || AgentDown <= AgentLate)
        {
            throw new InvalidOperationException(
                $"--agent-late, --agent-down: need 0 < --agent-late < --agent-down, were {AgentLate.TotalSeconds:0.###} s and {AgentDown.TotalSeconds:0.###} s.");
        }
    }
}
