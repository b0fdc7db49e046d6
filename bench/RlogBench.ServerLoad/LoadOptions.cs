using System.Globalization;

namespace RlogBench.ServerLoad;

/// <summary>The load tool's command line; every option has a default but --server.</summary>
internal sealed class LoadOptions
{
    public const int DefaultAgents = 4;
    public const int DefaultSeconds = 60;
    public const int DefaultBatchLines = 1000;
    public const int DefaultLineLength = 120;
    public const int DefaultBatchesPerCall = 16;
    public const string DefaultProjectKey = "bench";

    public required Uri Server { get; init; }

    public int Agents { get; init; } = DefaultAgents;

    public int Seconds { get; init; } = DefaultSeconds;

    public int BatchLines { get; init; } = DefaultBatchLines;

    public int LineLength { get; init; } = DefaultLineLength;

    public int BatchesPerCall { get; init; } = DefaultBatchesPerCall;

    public string ProjectKey { get; init; } = DefaultProjectKey;

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string name, int fallback) =>
            values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

        return new LoadOptions
        {
            Server = new Uri(values.TryGetValue("--server", out var server)
                ? server
                : throw new ArgumentException("usage: rlog-bench-load --server URL [--agents 4] [--seconds 60] [--batch 1000] [--line-length 120] [--batches-per-call 16] [--project-key bench]")),
            Agents = Int("--agents", DefaultAgents),
            Seconds = Int("--seconds", DefaultSeconds),
            BatchLines = Int("--batch", DefaultBatchLines),
            LineLength = Int("--line-length", DefaultLineLength),
            BatchesPerCall = Int("--batches-per-call", DefaultBatchesPerCall),
            ProjectKey = values.TryGetValue("--project-key", out var key) ? key : DefaultProjectKey,
        };
    }
}
