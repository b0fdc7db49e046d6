using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Rlog.V1;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The numbers a line row holds instead of text it repeats: labels and sources are
/// <c>names.name_no</c>, an agent's file ids are <c>files.file_no</c>. A number is assigned once
/// in the database (by whichever replica needs it first) and never changes, so each replica
/// caches the numbers it has looked up; the cache is bounded, and losing it costs one query.
/// </summary>
internal sealed class PostgresNames
{
    // Entries per cache before it starts over: a fleet's labels and sources are few, its files
    // come and go with rotation.
    private const int MaxCached = 100_000;

    // Inserted in one statement, read back in the next: in READ COMMITTED the second sees a row
    // another replica committed meanwhile (an insert that conflicts with it waited for that
    // commit), which one statement with RETURNING would not.
    private const string InsertNames =
        "INSERT INTO names (name_key, name) SELECT * FROM unnest($1::bytea[], $2::text[]) ON CONFLICT DO NOTHING";

    private const string SelectNames = "SELECT name, name_no FROM names WHERE name_key = ANY($1)";

    private const string InsertFiles = """
        INSERT INTO files (agent_uuid, file_key, file_id)
        SELECT $1, u.file_key, u.file_id FROM unnest($2::uuid[], $3::text[]) AS u(file_key, file_id)
        ON CONFLICT DO NOTHING
        """;

    private const string SelectFiles = "SELECT file_id, file_no FROM files WHERE agent_uuid = $1 AND file_key = ANY($2)";

    private readonly ConcurrentDictionary<string, int> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Guid Agent, string FileId), long> _files = new();

    /// <summary>
    /// The numbers of every line of <paramref name="batch"/>, assigning the ones the database
    /// does not hold yet (in their own statements on <paramref name="connection"/>, outside any
    /// transaction: a number is kept even when the batch that asked for it is not).
    /// </summary>
    public async Task<LineNumbers> ResolveAsync(
        NpgsqlConnection connection,
        Guid agentUuid,
        LogBatch batch,
        CancellationToken cancellationToken)
    {
        var numbers = new LineNumbers(batch.Logs.Count);
        var found = Fill(batch, agentUuid, numbers, looked: null);
        if (found is null)
        {
            return numbers;
        }

        await found.LookUpAsync(connection, agentUuid, cancellationToken).ConfigureAwait(false);
        foreach (var (name, number) in found.Names.Where(n => n.Value != 0))
        {
            Remember(_names, name, number);
        }

        foreach (var (fileId, number) in found.Files.Where(f => f.Value != 0))
        {
            Remember(_files, (agentUuid, fileId), number);
        }

        Fill(batch, agentUuid, numbers, found);
        return numbers;
    }

    /// <summary>The key a name is found by: SHA-256 of its UTF-8 bytes (any length fits a btree).</summary>
    public static byte[] NameKey(string name) => SHA256.HashData(Encoding.UTF8.GetBytes(name));

    /// <summary>
    /// A file id's key in <c>files</c>: the first 16 bytes of its SHA-256; two file ids of one
    /// agent sharing a key would need a 128-bit SHA-256 collision.
    /// </summary>
    public static Guid FileKey(string fileId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(fileId), hash);
        return new Guid(hash[..16]);
    }

    // Fills what the cache (or, on the second pass, what was just looked up) knows; returns what
    // is still to look up, null when nothing is. Consecutive lines mostly share their label,
    // source and file: those are compared with the previous line's before any dictionary.
    private Lookup? Fill(LogBatch batch, Guid agentUuid, LineNumbers numbers, Lookup? looked)
    {
        Lookup? missing = null;
        string? label = null, source = null, fileId = null;
        int labelNo = 0, sourceNo = 0;
        long fileNo = 0;
        for (var i = 0; i < batch.Logs.Count; i++)
        {
            var log = batch.Logs[i];
            if (!string.Equals(log.Label, label, StringComparison.Ordinal))
            {
                label = log.Label;
                labelNo = Name(label, looked, ref missing);
            }

            if (!string.Equals(log.Source, source, StringComparison.Ordinal))
            {
                source = log.Source;
                sourceNo = Name(source, looked, ref missing);
            }

            if (!string.Equals(log.FileId, fileId, StringComparison.Ordinal))
            {
                fileId = log.FileId;
                if (!_files.TryGetValue((agentUuid, fileId), out fileNo)
                    && !(looked is not null && looked.Files.TryGetValue(fileId, out fileNo) && fileNo != 0))
                {
                    (missing ??= new Lookup()).Files[fileId] = 0;
                }
            }

            numbers.Labels[i] = labelNo;
            numbers.Sources[i] = sourceNo;
            numbers.Files[i] = fileNo;
        }

        if (missing is not null && looked is not null)
        {
            // Only if the database lost a row that was just inserted or read.
            throw new InvalidOperationException("a name or file number just assigned could not be read back");
        }

        return missing;
    }

    private int Name(string name, Lookup? looked, ref Lookup? missing)
    {
        if (_names.TryGetValue(name, out var number)
            || (looked is not null && looked.Names.TryGetValue(name, out number) && number != 0))
        {
            return number;
        }

        (missing ??= new Lookup()).Names[name] = 0;
        return 0;
    }

    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, TKey key, TValue value)
        where TKey : notnull
    {
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    // The names and files of one batch that the cache did not know, and their numbers once looked up.
    private sealed class Lookup
    {
        public Dictionary<string, int> Names { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Files { get; } = new(StringComparer.Ordinal);

        public async Task LookUpAsync(NpgsqlConnection connection, Guid agentUuid, CancellationToken cancellationToken)
        {
            await using var batch = new NpgsqlBatch(connection);
            if (Names.Count > 0)
            {
                var names = Names.Keys.ToArray();
                var keys = names.Select(NameKey).ToArray();
                var insert = new NpgsqlBatchCommand(InsertNames);
                insert.Parameters.AddWithValue(keys);
                insert.Parameters.AddWithValue(names);
                batch.BatchCommands.Add(insert);
                var select = new NpgsqlBatchCommand(SelectNames);
                select.Parameters.AddWithValue(keys);
                batch.BatchCommands.Add(select);
            }

            if (Files.Count > 0)
            {
                var fileIds = Files.Keys.ToArray();
                var keys = fileIds.Select(FileKey).ToArray();
                var insert = new NpgsqlBatchCommand(InsertFiles);
                insert.Parameters.AddWithValue(agentUuid);
                insert.Parameters.AddWithValue(keys);
                insert.Parameters.AddWithValue(fileIds);
                batch.BatchCommands.Add(insert);
                var select = new NpgsqlBatchCommand(SelectFiles);
                select.Parameters.AddWithValue(agentUuid);
                select.Parameters.AddWithValue(keys);
                batch.BatchCommands.Add(select);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (Names.Count > 0)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    Names[reader.GetString(0)] = reader.GetInt32(1);
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            if (Files.Count > 0)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    Files[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
        }
    }
}

/// <summary>Per line of a batch, by its place in the batch: its label's, source's and file's numbers.</summary>
internal sealed class LineNumbers(int count)
{
    public int[] Labels { get; } = new int[count];

    public int[] Sources { get; } = new int[count];

    public long[] Files { get; } = new long[count];
}
