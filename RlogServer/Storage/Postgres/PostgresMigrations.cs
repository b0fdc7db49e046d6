using Npgsql;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema, as numbered migrations applied in order, the version kept in
/// <c>rlog_schema</c>. A session advisory lock makes replicas that start at once take turns:
/// the first applies what is missing, the others find it done.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>Advisory lock key held while migrating (an arbitrary constant: "rlogmig1").</summary>
    public const long MigrationLockKey = 0x726c_6f67_6d69_6731;

    private static readonly string[] Migrations =
    [
        // Lines are partitioned by the UTC day they arrived (day), so retention drops whole
        // partitions. A line row holds numbers, not the text lines repeat: its label and source
        // are names.name_no, its agent and file_id are files.file_no, its batch id and received
        // time are in batches; a narrow row and a narrow unique key are most of what a line costs
        // to store (see BENCHMARKS.md). Numbers never change once assigned, so replicas cache them
        // (PostgresNames). names and files are keyed by a hash of the text, so a long name fits
        // a btree. A unique key on a partitioned table must hold the partition key, so
        // (file_no, file_offset, day) is unique per day; the ingest checks the other days itself,
        // under a per-agent lock (PostgresLineStore). A line's id is its batch's number times
        // 2^24 plus its place in the batch: increasing in storage order without a sequence call
        // per line. ts is the event time (Log.timestamp, else the received time): query's time
        // range. No btree on ts alone: it cost a quarter of the database's CPU per line stored; a
        // BRIN serves queries without a label, which look at the newest minute, hour, day first.
        // --follow reads by id, also BRIN. Both are summarized as ranges fill, so that new ranges
        // do not all read as "maybe".
        """
        CREATE TABLE agents (
            agent_uuid uuid PRIMARY KEY,
            hostname text NOT NULL DEFAULT '',
            os text NOT NULL DEFAULT '',
            agent_version text NOT NULL DEFAULT '',
            secret_hash bytea,
            first_registered_at timestamptz NOT NULL,
            last_registered_at timestamptz NOT NULL
        );
        CREATE TABLE registrations (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            agent_uuid uuid NOT NULL,
            hostname text NOT NULL,
            os text NOT NULL,
            agent_version text NOT NULL,
            registered_at timestamptz NOT NULL
        );
        CREATE INDEX registrations_agent ON registrations (agent_uuid);
        CREATE TABLE tokens (
            token_hash bytea PRIMARY KEY,
            agent_uuid uuid NOT NULL,
            kind smallint NOT NULL,
            issued_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            revoked boolean NOT NULL DEFAULT false
        );
        CREATE INDEX tokens_agent ON tokens (agent_uuid, kind);
        CREATE TABLE heartbeats (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            agent_uuid uuid NOT NULL,
            sent_at timestamptz,
            received_at timestamptz NOT NULL,
            cpu double precision NOT NULL,
            memory double precision NOT NULL,
            agent_version text NOT NULL,
            lines_read bigint NOT NULL,
            lines_confirmed bigint NOT NULL,
            batches_unconfirmed bigint NOT NULL,
            send_retries bigint NOT NULL,
            files_open bigint NOT NULL,
            process_cpu double precision NOT NULL,
            process_rss_bytes bigint NOT NULL
        );
        CREATE INDEX heartbeats_agent ON heartbeats (agent_uuid);
        CREATE INDEX heartbeats_received ON heartbeats (received_at);
        CREATE TABLE names (
            name_no integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name_key bytea NOT NULL UNIQUE,
            name text NOT NULL
        );
        CREATE TABLE files (
            file_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            agent_uuid uuid NOT NULL,
            file_key uuid NOT NULL,
            file_id text NOT NULL,
            CONSTRAINT files_key UNIQUE (agent_uuid, file_key)
        );
        CREATE TABLE batches (
            batch_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            agent_uuid uuid NOT NULL,
            batch_id text NOT NULL,
            day date NOT NULL,
            received_at timestamptz NOT NULL
        );
        CREATE INDEX batches_day ON batches (day);
        CREATE TABLE lines (
            id bigint NOT NULL,
            file_no bigint NOT NULL,
            file_offset bigint NOT NULL,
            ts timestamptz NOT NULL,
            day date NOT NULL,
            label_no integer NOT NULL,
            source_no integer NOT NULL,
            line text NOT NULL,
            attributes jsonb,
            CONSTRAINT lines_key UNIQUE (file_no, file_offset, day)
        ) PARTITION BY RANGE (day);
        CREATE INDEX lines_label_ts ON lines (label_no, ts);
        CREATE INDEX lines_id ON lines USING brin (id) WITH (autosummarize = on);
        CREATE INDEX lines_ts ON lines USING brin (ts) WITH (autosummarize = on);
        """,
        // Issue 20: an event's level (Log.severity_number, Log.severity_text). A constant
        // default: no table rewrite, whatever the size of the table.
        """
        ALTER TABLE lines ADD COLUMN severity_number smallint NOT NULL DEFAULT 0, ADD COLUMN severity_text text;
        """,
        // Issue 19, the console: when an agent was last heard from (Register, Heartbeat, Send),
        // the heartbeat figures it shows, one agent's heartbeats by time, and viewers' sessions
        // (kept here, not in memory, so that a session holds on every replica).
        """
        ALTER TABLE agents ADD COLUMN last_seen timestamptz;
        UPDATE agents SET last_seen = last_registered_at;
        ALTER TABLE heartbeats ADD COLUMN lines_rejected bigint NOT NULL DEFAULT 0, ADD COLUMN source_restarts bigint NOT NULL DEFAULT 0;
        CREATE INDEX heartbeats_agent_received ON heartbeats (agent_uuid, received_at);
        CREATE TABLE console_sessions (
            session_hash bytea PRIMARY KEY,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        """,
        // Issue 19: lines per minute of event time, label, file and level, for the console's
        // histogram over long ranges (PostgresLineCounts). Filled from the lines already stored
        // (one pass over the table, once).
        """
        CREATE TABLE line_counts (
            day date NOT NULL,
            minute timestamptz NOT NULL,
            label_no integer NOT NULL,
            file_no bigint NOT NULL,
            severity_number smallint NOT NULL,
            lines bigint NOT NULL,
            PRIMARY KEY (minute, label_no, file_no, severity_number, day)
        );
        CREATE INDEX line_counts_file ON line_counts (file_no, minute);
        INSERT INTO line_counts (day, minute, label_no, file_no, severity_number, lines)
        SELECT day, to_timestamp(floor(extract(epoch FROM ts) / 60) * 60), label_no, file_no, severity_number, count(*)
        FROM lines GROUP BY 1, 2, 3, 4, 5;
        """,
        """
        CREATE TABLE line_grams (
            day date NOT NULL,
            file_no bigint NOT NULL,
            offset_lo bigint NOT NULL,
            offset_hi bigint NOT NULL,
            ts_min timestamptz NOT NULL,
            ts_max timestamptz NOT NULL,
            lines integer NOT NULL,
            bits bytea NOT NULL
        ) WITH (toast_tuple_target = 8160);
        ALTER TABLE line_grams ALTER COLUMN bits SET STORAGE EXTERNAL;
        CREATE INDEX line_grams_ts ON line_grams (ts_max);
        CREATE INDEX line_grams_day ON line_grams (day);
        ALTER TABLE batches ADD COLUMN grams boolean NOT NULL DEFAULT false;
        ALTER TABLE batches ALTER COLUMN grams DROP DEFAULT;
        CREATE INDEX batches_without_grams ON batches (batch_no) WHERE NOT grams;
        """,
    ];

    /// <summary>The version a database is at once every migration here is applied.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>Applies the migrations the database lacks, one transaction each; returns its version.</summary>
    public static int Apply(NpgsqlDataSource dataSource, ILogger logger)
    {
        using var connection = dataSource.OpenConnection();
        Execute(connection, $"SELECT pg_advisory_lock({MigrationLockKey})");
        try
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS rlog_schema (version integer NOT NULL);
                INSERT INTO rlog_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM rlog_schema);
                """);
            while (true)
            {
                using var transaction = connection.BeginTransaction();
                int version;
                using (var read = new NpgsqlCommand("SELECT version FROM rlog_schema", connection, transaction))
                {
                    version = (int)read.ExecuteScalar()!;
                }

                if (version >= Migrations.Length)
                {
                    transaction.Commit();
                    return version;
                }

                Execute(connection, Migrations[version], transaction);
                Execute(connection, $"UPDATE rlog_schema SET version = {version + 1}", transaction);
                transaction.Commit();
                StorageLog.MigrationApplied(logger, "PostgreSQL", version + 1);
            }
        }
        finally
        {
            Execute(connection, $"SELECT pg_advisory_unlock({MigrationLockKey})");
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
