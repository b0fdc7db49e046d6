using System.Diagnostics;
using System.Globalization;
using RlogBench.ServerLoad;

// rlog-bench-load: N agents at once against one server, for --seconds; prints what was confirmed.
var options = LoadOptions.Parse(args);
var agents = Enumerable.Range(0, options.Agents).Select(i => new LoadAgent(options, i)).ToList();
try
{
    await Task.WhenAll(agents.Select(a => a.RegisterAsync()));
    var stopwatch = Stopwatch.StartNew();
    var until = DateTime.UtcNow.AddSeconds(options.Seconds);
    await Task.WhenAll(agents.Select(a => Task.Run(() => a.RunAsync(until))));
    stopwatch.Stop();

    // Exactly-once check, the load side: the last call of each agent once more. The server must
    // answer OK and store nothing (the script then compares its row count with the confirmed total).
    await Task.WhenAll(agents.Select(a => a.ResendLastCallAsync()));

    var inv = CultureInfo.InvariantCulture;
    var total = agents.Sum(a => a.Confirmed);
    foreach (var agent in agents)
    {
        Console.WriteLine(string.Create(inv, $"agent uuid={agent.AgentUuid} confirmed={agent.Confirmed} calls={agent.Calls}"));
    }

    Console.WriteLine(string.Create(
        inv,
        $"load agents={options.Agents} seconds={stopwatch.Elapsed.TotalSeconds:F1} confirmed={total} lines_per_s={total / stopwatch.Elapsed.TotalSeconds:F0} resent={agents.Sum(a => a.LastCall.Sum(b => b.Logs.Count))} cpu_s={Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F2}"));
    return 0;
}
finally
{
    foreach (var agent in agents)
    {
        agent.Dispose();
    }
}
