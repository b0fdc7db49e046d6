using Microsoft.Data.Sqlite;

namespace RlogServer.Storage.Sqlite;

/// <summary>
/// The SQLite schema, as numbered migrations applied in order. The version is SQLite's own
/// <c>PRAGMA user_version</c>; each migration runs in an immediate (write-locked) transaction
/// with the version bump, so two processes opening one file cannot both apply it.
/// </summary>
internal static class SqliteMigrations
{
    // (agent_uuid, file_id, file_offset) names one line forever (see the wire contract), so it
    // is the uniqueness key and INSERT OR IGNORE turns a re-sent line into a counted no-op.
    // "offset" is an SQL keyword, hence file_offset. Times are Unix milliseconds.
    // Version 1 is the schema before migrations existed, so its statements keep IF NOT EXISTS:
    // a database from then (user_version 0) takes it as a no-op.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS agents (
            agent_uuid TEXT PRIMARY KEY,
            hostname TEXT NOT NULL DEFAULT '',
            os TEXT NOT NULL DEFAULT '',
            agent_version TEXT NOT NULL DEFAULT '',
            first_registered_at_ms INTEGER NOT NULL,
            last_registered_at_ms INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS registrations (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            hostname TEXT NOT NULL,
            os TEXT NOT NULL,
            agent_version TEXT NOT NULL,
            registered_at_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS registrations_agent ON registrations (agent_uuid);
        CREATE TABLE IF NOT EXISTS lines (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            file_id TEXT NOT NULL,
            file_offset INTEGER NOT NULL,
            label TEXT NOT NULL,
            line TEXT NOT NULL,
            source TEXT NOT NULL,
            read_at_ms INTEGER,
            batch_id TEXT NOT NULL,
            received_at_ms INTEGER NOT NULL,
            UNIQUE (agent_uuid, file_id, file_offset)
        );
        CREATE TABLE IF NOT EXISTS heartbeats (
            id INTEGER PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            timestamp_ms INTEGER,
            received_at_ms INTEGER NOT NULL,
            cpu REAL NOT NULL,
            memory REAL NOT NULL,
            agent_version TEXT NOT NULL,
            lines_read INTEGER NOT NULL,
            lines_confirmed INTEGER NOT NULL,
            batches_unconfirmed INTEGER NOT NULL,
            send_retries INTEGER NOT NULL,
            files_open INTEGER NOT NULL,
            process_cpu REAL NOT NULL,
            process_rss_bytes INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS heartbeats_agent ON heartbeats (agent_uuid);
        CREATE TABLE IF NOT EXISTS tokens (
            token_hash BLOB PRIMARY KEY,
            agent_uuid TEXT NOT NULL,
            kind INTEGER NOT NULL,
            issued_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS tokens_agent ON tokens (agent_uuid, kind);
        """,
        // Issue 13: attributes, agent secrets, and the indexes `query` and retention read by.
        // read_at_ms is the event time (Log.timestamp); older rows without one take their
        // received time, so every row sorts on one column.
        """
        ALTER TABLE lines ADD COLUMN attributes TEXT;
        UPDATE lines SET read_at_ms = received_at_ms WHERE read_at_ms IS NULL;
        CREATE INDEX lines_label_time ON lines (label, read_at_ms);
        CREATE INDEX lines_time ON lines (read_at_ms);
        CREATE INDEX heartbeats_received ON heartbeats (received_at_ms);
        ALTER TABLE agents ADD COLUMN secret_hash BLOB;
        """,
        // Issue 20: an event's level (Log.severity_number, Log.severity_text).
        """
        ALTER TABLE lines ADD COLUMN severity_number INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE lines ADD COLUMN severity_text TEXT;
        """,
        // Issue 19, the console: when an agent was last heard from (Register, Heartbeat, Send),
        // the heartbeat figures it shows, one agent's heartbeats by time, and viewers' sessions
        // (kept here, not in memory, so that a session holds on every replica).
        """
        ALTER TABLE agents ADD COLUMN last_seen_ms INTEGER;
        UPDATE agents SET last_seen_ms = last_registered_at_ms;
        ALTER TABLE heartbeats ADD COLUMN lines_rejected INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE heartbeats ADD COLUMN source_restarts INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX heartbeats_agent_received ON heartbeats (agent_uuid, received_at_ms);
        CREATE TABLE console_sessions (
            session_hash BLOB PRIMARY KEY,
            created_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ];

    /// <summary>The version a database is at once every migration here is applied.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>Applies the migrations <paramref name="connection"/>'s database lacks; returns its version.</summary>
    public static int Apply(SqliteConnection connection, ILogger logger)
    {
        while (true)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var version = (int)SqliteDatabase.Scalar(connection, "PRAGMA user_version", transaction: transaction);
            if (version >= Migrations.Length)
            {
                transaction.Commit();
                return version;
            }

            SqliteDatabase.Execute(connection, Migrations[version], transaction);
            SqliteDatabase.Execute(connection, $"PRAGMA user_version = {version + 1}", transaction);
            transaction.Commit();
            StorageLog.MigrationApplied(logger, "SQLite", version + 1);
        }
    }
}
