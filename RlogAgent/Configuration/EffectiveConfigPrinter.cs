using System.Globalization;
using Microsoft.Extensions.Logging;

namespace RlogAgent.Configuration;

/// <summary>
/// Writes the configuration the agent would run with (<c>--check-config</c>): every setting with
/// defaults filled in, substitutions and <c>RLOG_*</c> overrides applied (each override marked with
/// its variable), the project key masked. The output is itself a valid agent.yaml, apart from the key.
/// </summary>
public static class EffectiveConfigPrinter
{
    /// <summary>What the project key is printed as, whatever its value.</summary>
    public const string MaskedSecret = "****";

    public static void Print(AgentOptions o, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"# effective configuration from {o.ConfigPath}");
        Line(output, o, "server_addr", YamlText.Quote(o.ServerAddr));
        Line(output, o, "project_key", YamlText.Quote(MaskedSecret));
        Line(output, o, "batch_size", o.BatchSize.ToString(inv));
        Line(output, o, "flush_interval", o.FlushInterval.ToString(inv));
        Line(output, o, "heartbeat_interval", o.HeartbeatInterval.ToString(inv));
        Line(output, o, "state_dir", YamlText.Quote(o.StateDir));
        Line(output, o, "read_from", o.ReadFrom == ReadFrom.Beginning ? "beginning" : "end");
        Line(output, o, "poll_interval", o.PollInterval.ToString(inv));
        Line(output, o, "rotate_wait", o.RotateWait.ToString(inv));
        Line(output, o, "max_line_bytes", o.MaxLineBytes.ToString(inv));
        Line(output, o, "max_open_files", o.MaxOpenFiles.ToString(inv));
        Line(output, o, "commit_interval", o.CommitInterval.ToString(inv));
        Line(output, o, "max_unconfirmed_batches", o.MaxUnconfirmedBatches.ToString(inv));
        Line(output, o, "max_buffer_bytes", o.MaxBufferBytes.ToString(inv));
        Line(output, o, "shutdown_timeout", o.ShutdownTimeout.ToString(inv));
        Line(output, o, "keepalive_interval", o.KeepaliveInterval.ToString(inv));
        Line(output, o, "keepalive_timeout", o.KeepaliveTimeout.ToString(inv));
        Line(output, o, "compression", YamlText.Quote(o.Compression));
        Line(output, o, "log_level", LogLevelName(o.LogLevel));
        Line(output, o, "log_format", o.LogFormat == LogFormat.Json ? "json" : "text");
        PrintTls(output, o);
        if (o.Metrics.Enabled)
        {
            output.WriteLine("metrics:");
            Line(output, o, "metrics.listen", YamlText.Quote(o.Metrics.Listen), "  listen");
        }
        else
        {
            output.WriteLine("metrics: {}    # off");
        }

        PrintSources(output, o.Sources);
    }

    private static void PrintTls(TextWriter output, AgentOptions o)
    {
        var tls = o.Tls;
        if (tls.CaFile is null && tls.CertFile is null && tls.KeyFile is null)
        {
            output.WriteLine("tls: {}    # system roots, no client certificate");
            return;
        }

        output.WriteLine("tls:");
        foreach (var (key, value) in new[] { ("ca_file", tls.CaFile), ("cert_file", tls.CertFile), ("key_file", tls.KeyFile) })
        {
            if (value is not null)
            {
                Line(output, o, "tls." + key, YamlText.Quote(value), "  " + key);
            }
        }
    }

    private static void PrintSources(TextWriter output, List<SourceOptions> sources)
    {
        if (sources.Count == 0)
        {
            output.WriteLine("sources: []");
            return;
        }

        output.WriteLine("sources:");
        foreach (var source in sources)
        {
            output.WriteLine($"  - label: {YamlText.Quote(source.Label)}");
            output.WriteLine($"    path: {YamlText.Quote(source.Path)}");
            if (source.Exclude.Count > 0)
            {
                output.WriteLine($"    exclude: [{string.Join(", ", source.Exclude.Select(YamlText.Quote))}]");
            }
        }
    }

    private static void Line(TextWriter output, AgentOptions o, string key, string value, string? label = null)
    {
        var from = o.EnvironmentOverrides.TryGetValue(key, out var variable) ? $"    # from {variable}" : "";
        output.WriteLine($"{label ?? key}: {value}{from}");
    }

    private static string LogLevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "information",
    };
}
