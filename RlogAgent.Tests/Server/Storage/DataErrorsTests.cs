using Microsoft.Data.Sqlite;
using Npgsql;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Storage;

[TestFixture]
public sealed class DataErrorsTests
{
    [TestCase("22021", true)] // invalid byte sequence (U+0000 in a text)
    [TestCase("22001", true)] // value too long
    [TestCase("54000", true)] // index row too big
    [TestCase("53100", false)] // disk full
    [TestCase("57P01", false)] // admin shutdown
    [TestCase("40P01", false)] // deadlock
    [TestCase("08006", false)] // connection failure
    public void IsCausedByData_PostgresSqlState_DataClassesOnly(string sqlState, bool expected)
    {
        var error = new PostgresException("injected", "ERROR", "ERROR", sqlState);

        Assert.That(DataErrors.IsCausedByData(error), Is.EqualTo(expected));
    }

    [TestCase(18, true)] // SQLITE_TOOBIG
    [TestCase(20, true)] // SQLITE_MISMATCH
    [TestCase(5, false)] // SQLITE_BUSY
    [TestCase(13, false)] // SQLITE_FULL
    public void IsCausedByData_SqliteCode_ValueErrorsOnly(int code, bool expected)
    {
        var error = new SqliteException("injected", code);

        Assert.That(DataErrors.IsCausedByData(error), Is.EqualTo(expected));
    }
}
