using System.Diagnostics;
using System.Globalization;

namespace RlogAgent.Health;

/// <summary>
/// Host CPU and memory use from /proc on Linux (CPU as the busy share of all cores since the previous
/// reading), and the agent's own CPU and RSS. Elsewhere the host figures are 0.
/// </summary>
public sealed class HostMetrics
{
    private readonly string _procRoot;
    private (ulong Busy, ulong Total)? _lastCpu;
    private TimeSpan _lastProcessCpu;
    private long _lastProcessTimestamp;

    public HostMetrics(string procRoot = "/proc")
    {
        _procRoot = procRoot;
        _lastProcessCpu = Process.GetCurrentProcess().TotalProcessorTime;
        _lastProcessTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Host CPU use in percent since the previous call (0 on the first call, or off Linux).</summary>
    public double CpuPercent()
    {
        var current = ReadCpu();
        if (current is not { } now)
        {
            return 0;
        }

        var previous = _lastCpu;
        _lastCpu = now;
        if (previous is not { } before || now.Total <= before.Total)
        {
            return 0;
        }

        return 100.0 * (now.Busy - before.Busy) / (now.Total - before.Total);
    }

    /// <summary>Host memory in use (total less available) in percent.</summary>
    public double MemoryPercent()
    {
        try
        {
            ulong total = 0;
            ulong available = 0;
            foreach (var line in File.ReadLines(Path.Combine(_procRoot, "meminfo")))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = ParseKb(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = ParseKb(line);
                }
            }

            return total == 0 ? 0 : 100.0 * (total - Math.Min(available, total)) / total;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The agent's CPU use since the previous call, in percent of one core.</summary>
    public double ProcessCpuPercent()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var now = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastProcessTimestamp, now);
        var used = cpu - _lastProcessCpu;
        _lastProcessCpu = cpu;
        _lastProcessTimestamp = now;
        return wall <= TimeSpan.Zero ? 0 : 100.0 * used / wall;
    }

    public static long ProcessRssBytes() => Environment.WorkingSet;

    private (ulong Busy, ulong Total)? ReadCpu()
    {
        try
        {
            using var reader = new StreamReader(Path.Combine(_procRoot, "stat"));
            var first = reader.ReadLine();
            if (first is null || !first.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
            var fields = first[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ulong total = 0;
            ulong idle = 0;
            for (var i = 0; i < fields.Length && i < 8; i++)
            {
                var value = ulong.Parse(fields[i], CultureInfo.InvariantCulture);
                total += value;
                if (i is 3 or 4)
                {
                    idle += value;
                }
            }

            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static ulong ParseKb(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
    }
}
