using Npgsql;

namespace RlogServer.Storage;

/// <summary>
/// What <c>--db</c> names: a file path means SQLite; <c>postgresql://user:password@host:port/database</c>
/// (or <c>postgres://</c>, or an Npgsql connection string starting <c>Host=</c>) means PostgreSQL.
/// </summary>
public sealed record DatabaseLocation(StorageEngineKind Kind, string ConnectionString, string Display)
{
    /// <summary>Reads <paramref name="database"/>; throws <see cref="ArgumentException"/> on a malformed DSN.</summary>
    public static DatabaseLocation Parse(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var text = database.Trim();
        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return FromUri(text);
        }

        if (text.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))
        {
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"'--db': not a valid Npgsql connection string: {ex.Message}", nameof(database), ex);
            }

            return Postgres(builder);
        }

        return new DatabaseLocation(StorageEngineKind.Sqlite, Path.GetFullPath(text), Path.GetFullPath(text));
    }

    private static DatabaseLocation FromUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("'--db': a PostgreSQL DSN reads postgresql://user:password@host:port/database", "database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        // Query parameters are Npgsql keywords or their libpq spellings: sslmode=require, ...
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"'--db': unknown or invalid parameter '{key}': {ex.Message}", "database", ex);
            }
        }

        return Postgres(builder);
    }

    private static DatabaseLocation Postgres(NpgsqlConnectionStringBuilder builder)
    {
        var display = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null };
        return new DatabaseLocation(StorageEngineKind.Postgres, builder.ConnectionString, $"postgresql {display.ConnectionString}");
    }
}
