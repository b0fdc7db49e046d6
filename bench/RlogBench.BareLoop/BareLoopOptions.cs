using System.Globalization;

namespace RlogBench.BareLoop;

/// <summary>Command line: <c>--server http://127.0.0.1:P --file F [--batch 1000] [--chunk 1048576]</c>.</summary>
public sealed class BareLoopOptions
{
    public const int DefaultBatchLines = 1000;
    public const int DefaultChunkBytes = 1024 * 1024;

    public Uri Server { get; private set; } = new("http://127.0.0.1:50151");

    public string File { get; private set; } = "";

    public int BatchLines { get; private set; } = DefaultBatchLines;

    public int ChunkBytes { get; private set; } = DefaultChunkBytes;

    public static BareLoopOptions Parse(string[] args)
    {
        var options = new BareLoopOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--server":
                    options.Server = new Uri(value);
                    break;
                case "--file":
                    options.File = value;
                    break;
                case "--batch":
                    options.BatchLines = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--chunk":
                    options.ChunkBytes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]} (usage: --server URL --file F [--batch N] [--chunk BYTES])");
            }
        }

        if (options.File.Length == 0)
        {
            throw new ArgumentException("--file is required");
        }

        return options;
    }
}
