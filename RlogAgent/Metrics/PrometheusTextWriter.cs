using System.Globalization;
using System.Text;

namespace RlogAgent.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): per metric a <c># HELP</c> and a
/// <c># TYPE</c> line, then its samples. Only what the agent exposes: counters and gauges, with at
/// most one label.
/// </summary>
public sealed class PrometheusTextWriter
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>A counter with one sample.</summary>
    public void Counter(string name, string help, long value)
    {
        Header(name, help, "counter");
        Sample(name, value);
    }

    /// <summary>A gauge with one sample.</summary>
    public void Gauge(string name, string help, long value)
    {
        Header(name, help, "gauge");
        Sample(name, value);
    }

    /// <summary>A counter with one sample per value of its single label; no samples when there are none.</summary>
    public void Counter(string name, string help, string label, IEnumerable<KeyValuePair<string, long>> samples)
    {
        Header(name, help, "counter");
        Samples(name, label, samples);
    }

    /// <summary>A gauge with one sample per value of its single label; no samples when there are none.</summary>
    public void Gauge(string name, string help, string label, IEnumerable<KeyValuePair<string, long>> samples)
    {
        Header(name, help, "gauge");
        Samples(name, label, samples);
    }

    private void Samples(string name, string label, IEnumerable<KeyValuePair<string, long>> samples)
    {
        foreach (var (labelValue, value) in samples)
        {
            _text.Append(name).Append('{').Append(label).Append("=\"");
            AppendEscaped(labelValue, escapeQuotes: true);
            _text.Append("\"} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    /// <summary>Everything written so far.</summary>
    public override string ToString() => _text.ToString();

    private void Header(string name, string help, string type)
    {
        _text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, escapeQuotes: false);
        _text.Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private void Sample(string name, long value) =>
        _text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private void AppendEscaped(string value, bool escapeQuotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    _text.Append(@"\\");
                    break;
                case '\n':
                    _text.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    _text.Append("\\\"");
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
    }
}
