using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The day partitions of <c>lines</c> (<c>lines_yyyymmdd</c>): created before the first line
/// of a day goes in, dropped whole by retention. Replicas creating one at once take turns on
/// an advisory lock; which days exist is cached here, and the cache is only a shortcut.
/// </summary>
internal sealed class PostgresPartitions
{
    /// <summary>Advisory lock key held while a partition is created or dropped ("rlogpart").</summary>
    public const long PartitionLockKey = 0x726c_6f67_7061_7274;

    private const string Prefix = "lines_";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentDictionary<DateOnly, bool> _known = new();

    public PostgresPartitions(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    /// <summary>The partition's table name for <paramref name="day"/>.</summary>
    public static string TableName(DateOnly day) => Prefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Makes sure the partition of <paramref name="day"/> exists.</summary>
    public async Task EnsureAsync(DateOnly day, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey(day))
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The next day's too: creating a partition locks the parent table, better done now
        // than by the first batch after midnight, with every agent waiting on it.
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock({PartitionLockKey});
            {CreateStatement(day)}
            {CreateStatement(day.AddDays(1))}
            """,
            connection,
            transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _known[day] = true;
        _known[day.AddDays(1)] = true;
    }

    private static string CreateStatement(DateOnly day)
    {
        var from = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return $"CREATE TABLE IF NOT EXISTS {TableName(day)} PARTITION OF lines FOR VALUES FROM ('{from}') TO ('{to}');";
    }

    /// <summary>Forgets what is cached, after a partition turned out missing.</summary>
    public void Forget() => _known.Clear();

    /// <summary>The first day whose partition retention keeps: <paramref name="cutoff"/>'s own (it is not wholly before it).</summary>
    public static DateOnly FirstKeptDay(DateTimeOffset cutoff) => DateOnly.FromDateTime(cutoff.UtcDateTime);

    /// <summary>Drops the partitions whose whole day lies before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> DropBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var firstKept = FirstKeptDay(cutoff);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var old = new List<(string Name, DateOnly Day)>();
        await using (var list = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'lines' AND p.relnamespace = current_schema()::regnamespace
            """,
            connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                if (name.StartsWith(Prefix, StringComparison.Ordinal)
                    && DateOnly.TryParseExact(name[Prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                    && day < firstKept)
                {
                    old.Add((name, day));
                }
            }
        }

        foreach (var (name, day) in old)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var drop = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock({PartitionLockKey}); DROP TABLE IF EXISTS {name};",
                connection,
                transaction))
            {
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _known.TryRemove(day, out _);
        }

        return old.Count;
    }
}
