using System.Globalization;
using System.Text;

namespace RlogAgent.Benchmarks;

/// <summary>Lines shaped like ../shared/bench/genlog.py's (about 120 ASCII bytes, an access-log line).</summary>
public static class StandardLog
{
    private static readonly string[] Levels = ["INFO", "WARN", "DEBUG", "ERROR"];

    public static string Line(int i, Random random) => string.Create(CultureInfo.InvariantCulture,
        $"2026-11-24T22:{i / 60000 % 60:00}:{i / 1000 % 60:00}.{i % 1000:000}Z {Levels[i % 4]} [worker-{i % 16}] request handled path=/api/v1/items/{random.Next(1, 100000)} status=200 latency_ms={random.Next(1, 901)} seq={i}");

    public static void Write(string path, int lines)
    {
        var random = new Random(1);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        writer.NewLine = "\n";
        for (var i = 0; i < lines; i++)
        {
            writer.WriteLine(Line(i, random));
        }
    }
}
