using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Rlog.V1;
using RlogBench.BareLoop;

BareLoopOptions options;
try
{
    options = BareLoopOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"rlog-bench-bare: {e.Message}");
    return 2;
}

var clock = Stopwatch.StartNew();
using var channel = GrpcChannel.ForAddress(options.Server, new GrpcChannelOptions
{
    MaxSendMessageSize = 4 * 1024 * 1024,
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
});
var sender = new BareSender(new LogService.LogServiceClient(channel), options);
var lines = await sender.RunAsync(CancellationToken.None);
var wall = clock.Elapsed.TotalSeconds;
var cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
var peakKb = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
    .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).FirstOrDefault() ?? "0";
Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"peer=bare lines={lines} wall_s={wall:F2} lines_per_s={lines / wall:F0} cpu_s={cpu:F2} cpu_us_per_line={cpu * 1e6 / lines:F2} peak_rss_kb={peakKb}"));
return 0;
