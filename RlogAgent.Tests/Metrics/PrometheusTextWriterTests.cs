using RlogAgent.Metrics;

namespace RlogAgent.Tests.Metrics;

[TestFixture]
public sealed class PrometheusTextWriterTests
{
    [Test]
    public void Counter_WritesHelpTypeAndSample()
    {
        var writer = new PrometheusTextWriter();

        writer.Counter("x_total", "Things\\done.\nTwice.", 42);

        Assert.That(writer.ToString(), Is.EqualTo("# HELP x_total Things\\\\done.\\nTwice.\n# TYPE x_total counter\nx_total 42\n"));
    }

    [Test]
    public void Gauge_LabelValues_AreEscaped()
    {
        var writer = new PrometheusTextWriter();

        writer.Gauge("lag", "Lag.", "path", [new KeyValuePair<string, long>("/logs/a \"b\"\\c\nd.log", 7)]);

        Assert.That(writer.ToString().Split('\n')[2], Is.EqualTo("lag{path=\"/logs/a \\\"b\\\"\\\\c\\nd.log\"} 7"));
    }

    [Test]
    public void Gauge_NoLabelValues_WritesOnlyTheHeader()
    {
        var writer = new PrometheusTextWriter();

        writer.Gauge("lag", "Lag.", "path", []);

        Assert.That(writer.ToString(), Is.EqualTo("# HELP lag Lag.\n# TYPE lag gauge\n"));
    }
}
