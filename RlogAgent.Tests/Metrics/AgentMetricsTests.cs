using RlogAgent.Common;
using RlogAgent.Hosting;

namespace RlogAgent.Tests.Metrics;

[TestFixture]
public sealed class AgentMetricsTests
{
    [Test]
    public void Scrape_Counters_ShowTheirCurrentTotals()
    {
        var counters = new AgentCounters();
        counters.AddRead(120);
        counters.AddBytesRead(4096);
        counters.AddSent(100, 3000);
        counters.AddConfirmed(90);
        counters.AddBytesConfirmed(2048);
        counters.AddBatchSent(resent: false);
        counters.AddBatchSent(resent: true);
        counters.AddBatchesConfirmed(1);
        counters.AddRetry();
        counters.SetUnconfirmed(3);
        var metrics = new AgentMetrics(counters, tokens: null, () => 5, "1.2.3");

        var samples = Scrape(metrics);

        Assert.Multiple(() =>
        {
            Assert.That(samples["rlog_agent_lines_read_total"], Is.EqualTo(120));
            Assert.That(samples["rlog_agent_bytes_read_total"], Is.EqualTo(4096));
            Assert.That(samples["rlog_agent_lines_sent_total"], Is.EqualTo(100));
            Assert.That(samples["rlog_agent_bytes_sent_total"], Is.EqualTo(3000));
            Assert.That(samples["rlog_agent_lines_confirmed_total"], Is.EqualTo(90));
            Assert.That(samples["rlog_agent_bytes_confirmed_total"], Is.EqualTo(2048));
            Assert.That(samples["rlog_agent_batches_sent_total"], Is.EqualTo(2));
            Assert.That(samples["rlog_agent_batches_resent_total"], Is.EqualTo(1));
            Assert.That(samples["rlog_agent_batches_confirmed_total"], Is.EqualTo(1));
            Assert.That(samples["rlog_agent_send_retries_total"], Is.EqualTo(1));
            Assert.That(samples["rlog_agent_batches_in_flight"], Is.EqualTo(3));
            Assert.That(samples["rlog_agent_open_files"], Is.EqualTo(5));
            Assert.That(samples["rlog_agent_auth_registrations_total"], Is.Zero);
            Assert.That(samples["rlog_agent_auth_refreshes_total"], Is.Zero);
            Assert.That(samples["rlog_agent_build_info{version=\"1.2.3\"}"], Is.EqualTo(1));
        });

        counters.AddConfirmed(10);
        Assert.That(Scrape(metrics)["rlog_agent_lines_confirmed_total"], Is.EqualTo(100), "the next scrape follows the counters");
    }

    [Test]
    public void Scrape_FileLag_IsLabelledByPathAndDroppedWhenTheFileIs()
    {
        var counters = new AgentCounters();
        counters.FileLag["/var/log/a.log"] = 100;
        counters.FileLag["/var/log/b.log"] = 50;
        var metrics = new AgentMetrics(counters, tokens: null, () => 0, "1");

        var first = Scrape(metrics);
        counters.FileLag.TryRemove("/var/log/a.log", out _);
        var second = Scrape(metrics);

        Assert.Multiple(() =>
        {
            Assert.That(first["rlog_agent_file_lag_bytes{path=\"/var/log/a.log\"}"], Is.EqualTo(100));
            Assert.That(first["rlog_agent_file_lag_bytes{path=\"/var/log/b.log\"}"], Is.EqualTo(50));
            Assert.That(first["rlog_agent_lag_bytes"], Is.EqualTo(150));
            Assert.That(second.Keys, Does.Not.Contain("rlog_agent_file_lag_bytes{path=\"/var/log/a.log\"}"));
            Assert.That(second["rlog_agent_lag_bytes"], Is.EqualTo(50));
        });
    }

    /// <summary>The scrape's Prometheus text, as sample name (with labels) to value.</summary>
    internal static Dictionary<string, double> Scrape(AgentMetrics metrics) => ParseSamples(metrics.Scrape());

    internal static Dictionary<string, double> ParseSamples(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
}
