using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RlogServer.Storage;

/// <summary>
/// Tells a store error caused by what a batch holds (a value the engine cannot take) from a fault
/// of the server or its database. The first is the data's fault and is answered INVALID_ARGUMENT,
/// so the agent splits the batch down to the line and sets only that line aside; the second is
/// answered INTERNAL, which the agent retries with backoff. Retrying a data error would stall every
/// source of the agent behind one line for good.
/// </summary>
internal static class DataErrors
{
    // PostgreSQL SQLSTATE classes raised by a value: 22 "data exception" (22021 bad encoding,
    // 22001 string too long, 22P05 untranslatable character, ...) and 54 "program limit exceeded"
    // (54000 index row too big). Every other class (connections, locks, disk, privileges) is ours.
    private static readonly string[] PostgresDataClasses = ["22", "54"];

    // SQLite result codes raised by a value: SQLITE_TOOBIG (18) and SQLITE_MISMATCH (20).
    private const int SqliteTooBig = 18;
    private const int SqliteMismatch = 20;

    /// <summary>True when <paramref name="error"/> was caused by a value in the batch, not by the server.</summary>
    public static bool IsCausedByData(DbException error) => error switch
    {
        PostgresException postgres => postgres.SqlState.Length == 5
            && Array.Exists(PostgresDataClasses, c => postgres.SqlState.StartsWith(c, StringComparison.Ordinal)),
        SqliteException sqlite => sqlite.SqliteErrorCode is SqliteTooBig or SqliteMismatch,
        _ => false,
    };

    /// <summary>The engine's own words for the error, cut to a size fit for a status detail.</summary>
    public static string Describe(DbException error) => error switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        _ => error.Message,
    };
}
