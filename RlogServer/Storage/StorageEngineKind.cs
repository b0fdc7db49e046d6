namespace RlogServer.Storage;

/// <summary>The database engines the server can store into.</summary>
public enum StorageEngineKind
{
    /// <summary>An embedded SQLite file: the default, for one server process.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, through Npgsql: for several replicas.</summary>
    Postgres,
}
