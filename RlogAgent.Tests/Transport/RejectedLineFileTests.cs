using System.Text.Json;
using RlogAgent.Storage;
using RlogAgent.Tests.Support;
using RlogAgent.Transport;

namespace RlogAgent.Tests.Transport;

[TestFixture]
public sealed class RejectedLineFileTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Append_TwoCalls_OneJsonObjectPerLineAppendedOwnerOnly()
    {
        var file = new RejectedLineFile(_temp.Combine("state"));
        var time = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

        file.Append([new RejectedLine(time, "b-1.2", "app", "/var/log/a.log", "f-a", 42, "bad \"line\" é\n", "INVALID_ARGUMENT", "refused")]);
        file.Append([new RejectedLine(time, "b-2", "app", "/var/log/a.log", "f-a", 99, "other", "RESOURCE_EXHAUSTED", "too big")]);

        var lines = File.ReadAllLines(file.Path);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(file.Path, Is.EqualTo(_temp.Combine("state", "rejected.jsonl")));
            Assert.That(lines, Has.Length.EqualTo(2));
            Assert.That(first.GetProperty("time").GetString(), Is.EqualTo("2026-05-01T12:00:00.0000000Z"));
            Assert.That(first.GetProperty("batch_id").GetString(), Is.EqualTo("b-1.2"));
            Assert.That(first.GetProperty("offset").GetUInt64(), Is.EqualTo(42));
            Assert.That(first.GetProperty("line").GetString(), Is.EqualTo("bad \"line\" é\n"));
            Assert.That(lines[0], Does.Contain("é"), "text stays readable");
            Assert.That(JsonDocument.Parse(lines[1]).RootElement.GetProperty("status").GetString(), Is.EqualTo("RESOURCE_EXHAUSTED"));
        });
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(file.Path), Is.EqualTo(AtomicFile.PrivateMode));
        }
    }

    [Test]
    public void Append_AfterACrashTornTheLastRecord_NewRecordsWholeAndReadSkipsOnlyTheTornOne()
    {
        var file = new RejectedLineFile(_temp.Combine("state"));
        var time = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        file.Append([new RejectedLine(time, "b-1", "app", "/a.log", "f-a", 1, "first", "INVALID_ARGUMENT", "refused")]);
        File.AppendAllText(file.Path, "{\"time\":\"2026-05-01T12:00:01Z\",\"batch_id\":\"b-2\",\"lab");

        // Appended right after the torn bytes, the next record was glued to them: both unreadable.
        file.Append([new RejectedLine(time, "b-3", "app", "/a.log", "f-a", 3, "third", "INVALID_ARGUMENT", "refused")]);

        var records = file.Read(out var torn);
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => r.GetProperty("batch_id").GetString()), Is.EqualTo(new[] { "b-1", "b-3" }));
            Assert.That(torn, Is.EqualTo(1));
            Assert.That(File.ReadAllText(file.Path), Does.EndWith("}\n"));
        });
    }
}
