using System.Reflection;
using Microsoft.Extensions.Logging;

namespace RlogAgent.Tests;

/// <summary>
/// Each log event of a program has an id of its own, and each folder its own block of ids
/// (docs/internals.md, "Log event ids"): an id found in a log line names one event.
/// </summary>
[TestFixture]
public sealed class LogEventIdTests
{
    [TestCase(typeof(RlogAgent.Configuration.AgentOptions))]
    [TestCase(typeof(RlogServer.Configuration.ServerOptions))]
    public void EveryEventId_NamesOneEvent_InItsFoldersBlock(Type anyTypeOfTheProgram)
    {
        var events = anyTypeOfTheProgram.Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .Select(e => (Id: e.Attribute!.EventId, Name: $"{e.Method.DeclaringType!.Name}.{e.Method.Name}", Folder: e.Method.DeclaringType!.Namespace!))
            .ToList();
        var shared = events.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}").ToList();
        var blocks = events.GroupBy(e => e.Id / 100).Where(g => g.Select(e => e.Folder).Distinct().Count() > 1)
            .Select(g => $"{g.Key * 100}-{(g.Key * 100) + 99}: {string.Join(", ", g.Select(e => e.Folder).Distinct())}").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(events, Has.Count.GreaterThan(20));
            Assert.That(shared, Is.Empty, "ids used by more than one event");
            Assert.That(blocks, Is.Empty, "blocks of 100 shared by more than one folder");
        });
    }
}
