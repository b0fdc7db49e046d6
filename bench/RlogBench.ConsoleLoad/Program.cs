using System.Globalization;
using RlogBench.ConsoleLoad;

// rlog-bench-console load --server URL [--hosts 50] [--lines 10000000] [--concurrency 4] [--project-key bench]
// rlog-bench-console measure --server URL --console URL --viewer-key KEY [--runs 7] [--project-key bench]
if (args.Length == 0 || args[0] is not ("load" or "measure"))
{
    Console.Error.WriteLine("usage: rlog-bench-console load --server URL [--hosts 50] [--lines 10000000] | measure --server URL --console URL --viewer-key KEY [--runs 7]");
    return 2;
}

var values = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2)
{
    values[args[i]] = args[i + 1];
}

string Text(string name, string? fallback = null) =>
    values.TryGetValue(name, out var text) ? text : fallback ?? throw new ArgumentException($"{name} is required");
long Number(string name, long fallback) =>
    values.TryGetValue(name, out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;

var server = new Uri(Text("--server"));
var projectKey = Text("--project-key", "bench");
return args[0] == "load"
    ? await HistoryLoad.RunAsync(server, projectKey, (int)Number("--hosts", 50), Number("--lines", 10_000_000), (int)Number("--concurrency", 4), (int)Number("--batch", 250))
    : await ConsoleMeasure.RunAsync(server, new Uri(Text("--console")), Text("--viewer-key"), projectKey, (int)Number("--runs", 7));
