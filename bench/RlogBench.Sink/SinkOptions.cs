namespace RlogBench.Sink;

/// <summary>Command line of the sink: <c>--port P --control-port Q [--expect N]</c>.</summary>
public sealed class SinkOptions
{
    /// <summary>Loopback port of the gRPC (HTTP/2 without TLS) listener.</summary>
    public int Port { get; private set; } = 50151;

    /// <summary>Loopback port of the HTTP/1.1 control listener (<c>/count</c>, <c>/wait</c>, <c>/reset</c>).</summary>
    public int ControlPort { get; private set; } = 50152;

    /// <summary>Distinct lines that make a run complete; 0 means no target.</summary>
    public long Expect { get; private set; }

    public static SinkOptions Parse(string[] args)
    {
        var options = new SinkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port":
                    options.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--control-port":
                    options.ControlPort = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--expect":
                    options.Expect = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]} (usage: --port P --control-port Q [--expect N])");
            }

            i++;
        }

        return options;
    }
}
