using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using RlogBench.Sink;

SinkOptions options;
try
{
    options = SinkOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"rlog-bench-sink: {e.Message}");
    return 2;
}

var counter = new LineCounter(options.Expect);
counter.Reached += line => Console.Out.WriteLine(line);
var grpc = new GrpcEndpoints(counter);
var control = new ControlEndpoints(counter);

var builder = WebApplication.CreateSlimBuilder([]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = null;
    kestrel.Limits.MinRequestBodyDataRate = null;
    // Wide windows so a fast client is never paced by the sink's flow control.
    kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
    kestrel.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
    kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
    kestrel.Listen(IPAddress.Loopback, options.ControlPort, listen => listen.Protocols = HttpProtocols.Http1);
});

var app = builder.Build();
app.Run(context => context.Connection.LocalPort == options.ControlPort
    ? control.HandleAsync(context)
    : grpc.HandleAsync(context));
await app.StartAsync();
Console.Out.WriteLine($"listening port={options.Port} control_port={options.ControlPort} expect={options.Expect}");
await app.WaitForShutdownAsync();
return 0;
