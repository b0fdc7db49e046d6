using Npgsql;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture]
public sealed class DatabaseLocationTests
{
    [Test]
    public void Parse_FilePath_Sqlite()
    {
        var location = DatabaseLocation.Parse("data/rlog.db");

        Assert.Multiple(() =>
        {
            Assert.That(location.Kind, Is.EqualTo(StorageEngineKind.Sqlite));
            Assert.That(location.ConnectionString, Is.EqualTo(Path.GetFullPath("data/rlog.db")));
        });
    }

    [TestCase("postgresql://rlog:s%40cret@db.example:6543/logs?sslmode=require")]
    [TestCase("postgres://rlog:s%40cret@db.example:6543/logs?sslmode=require")]
    public void Parse_PostgresUri_NpgsqlSettingsAndNoPasswordInDisplay(string dsn)
    {
        var location = DatabaseLocation.Parse(dsn);
        var settings = new NpgsqlConnectionStringBuilder(location.ConnectionString);

        Assert.Multiple(() =>
        {
            Assert.That(location.Kind, Is.EqualTo(StorageEngineKind.Postgres));
            Assert.That(settings.Host, Is.EqualTo("db.example"));
            Assert.That(settings.Port, Is.EqualTo(6543));
            Assert.That(settings.Database, Is.EqualTo("logs"));
            Assert.That(settings.Username, Is.EqualTo("rlog"));
            Assert.That(settings.Password, Is.EqualTo("s@cret"));
            Assert.That(settings.SslMode, Is.EqualTo(SslMode.Require));
            Assert.That(location.Display, Does.Not.Contain("s@cret").And.Not.Contain("s%40cret"));
        });
    }

    [Test]
    public void Parse_NpgsqlConnectionString_Postgres()
    {
        var location = DatabaseLocation.Parse("Host=127.0.0.1;Port=5433;Username=u;Password=p;Database=d");

        Assert.Multiple(() =>
        {
            Assert.That(location.Kind, Is.EqualTo(StorageEngineKind.Postgres));
            Assert.That(new NpgsqlConnectionStringBuilder(location.ConnectionString).Port, Is.EqualTo(5433));
            Assert.That(location.Display, Does.Not.Contain("Password"));
        });
    }

    [Test]
    public void Parse_PostgresUriWithUnknownParameter_ArgumentExceptionNamingIt()
    {
        Assert.That(
            () => DatabaseLocation.Parse("postgresql://u@h/d?colour=blue"),
            Throws.ArgumentException.With.Message.Contain("colour"));
    }
}
