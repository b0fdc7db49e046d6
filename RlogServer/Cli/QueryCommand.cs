using System.CommandLine;
using RlogServer.Common;
using RlogServer.Storage;

namespace RlogServer.Cli;

/// <summary>
/// <c>rlog-server query --db DSN [--label L] [--agent UUID] [--host H] [--since T] [--until T] [--contains TEXT]
/// [-n 100] [--follow] [--json]</c>: stored lines matching every filter given, newest last.
/// </summary>
internal static class QueryCommand
{
    /// <summary>How often <c>--follow</c> asks for new lines.</summary>
    public static readonly TimeSpan FollowPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long after it arrived a line is taken as settled by <c>--follow</c> (see <see cref="FollowCursor"/>).</summary>
    public static readonly TimeSpan FollowSettle = TimeSpan.FromSeconds(5);

    /// <summary>Most lines read per follow poll.</summary>
    public const int FollowPageSize = 5000;

    public static Command Create(Func<string, string?> environment)
    {
        var database = ServerCommandLine.DatabaseOption(environment);
        var label = new Option<string?>("--label") { Description = "Only lines of this label." };
        var agent = new Option<string?>("--agent") { Description = "Only lines of this agent uuid." };
        var host = new Option<string?>("--host") { Description = "Only lines of agents that registered with this hostname." };
        var since = new Option<string?>("--since") { Description = "Only lines with an event time at or after this: a duration ago (10m, 2h, 7d) or an RFC 3339 time." };
        var until = new Option<string?>("--until") { Description = "Only lines with an event time before this (same forms as --since)." };
        var contains = new Option<string?>("--contains") { Description = "Only lines containing this text (case-sensitive)." };
        var level = new Option<string?>("--level") { Description = "Only events at or above this level: trace, debug, info, warn, error, fatal (or a SeverityNumber 1-24); events without a level are left out." };
        var count = ServerCommandLine.CountOption(LineQuery.DefaultLimit);
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as they are stored, until interrupted." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line: agent_uuid, host, label, source, file_id, offset, timestamp, line, level, severity_number, attributes." };

        var command = new Command("query", "Print stored lines that match every filter given, newest last.")
        {
            database, label, agent, host, since, until, contains, level, count, follow, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var now = DateTimeOffset.UtcNow;
            DateTimeOffset? sinceTime = null;
            DateTimeOffset? untilTime = null;
            foreach (var (name, option, set) in new (string, Option<string?>, Action<DateTimeOffset>)[]
            {
                ("--since", since, t => sinceTime = t),
                ("--until", until, t => untilTime = t),
            })
            {
                var text = parse.GetValue(option);
                if (text is null)
                {
                    continue;
                }

                if (!DurationText.TryParseTime(text, now, out var time))
                {
                    await error.WriteLineAsync($"rlog-server: {name} '{text}' is neither a duration (10m, 2h, 7d) nor an RFC 3339 time").ConfigureAwait(false);
                    return ServerCommandLine.UsageErrorExitCode;
                }

                set(time);
            }

            var agentText = parse.GetValue(agent);
            if (agentText is not null && !Guid.TryParse(agentText, out _))
            {
                await error.WriteLineAsync($"rlog-server: --agent '{agentText}' is not a uuid").ConfigureAwait(false);
                return ServerCommandLine.UsageErrorExitCode;
            }

            int? minSeverity = null;
            if (parse.GetValue(level) is { } levelText)
            {
                if (!LevelName.TryParseFloor(levelText, out var floor))
                {
                    await error.WriteLineAsync($"rlog-server: --level '{levelText}' is not trace, debug, info, warn, error, fatal or a number from 1 to 24").ConfigureAwait(false);
                    return ServerCommandLine.UsageErrorExitCode;
                }

                minSeverity = floor;
            }

            using var store = ServerCommandLine.OpenExisting(parse.GetValue(database)!, error);
            if (store is null)
            {
                return ServerCommandLine.UsageErrorExitCode;
            }

            var query = new LineQuery
            {
                Label = parse.GetValue(label),
                AgentUuid = agentText is null ? null : Guid.Parse(agentText).ToString(),
                Host = parse.GetValue(host),
                Since = sinceTime,
                Until = untilTime,
                Contains = parse.GetValue(contains),
                MinSeverity = minSeverity,
                Limit = parse.GetValue(count),
            };
            try
            {
                await RunAsync(store.Lines, query, parse.GetValue(follow), parse.GetValue(json), parse.InvocationConfiguration.Output, TimeProvider.System, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Interrupted while following: the normal way to stop.
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Prints the newest <see cref="LineQuery.Limit"/> matching lines, oldest first; with
    /// <paramref name="follow"/>, then polls for lines stored after them until cancelled.
    /// </summary>
    public static async Task RunAsync(
        ILineStore lines,
        LineQuery query,
        bool follow,
        bool json,
        TextWriter output,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        // Taken before the first query: every line stored from here on has a higher id.
        var lowWater = follow ? await lines.MaxIdAsync(cancellationToken).ConfigureAwait(false) : 0;
        foreach (var line in await lines.QueryAsync(query, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync(Format(line, json)).ConfigureAwait(false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (!follow)
        {
            return;
        }

        var page = query with { Limit = FollowPageSize, ReceivedSince = timeProvider.GetUtcNow() - FollowSettle };
        var cursor = new FollowCursor(lowWater, FollowSettle);
        using var timer = new PeriodicTimer(FollowPollInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            IReadOnlyList<StoredLine> found;
            do
            {
                found = await lines.ReadAfterAsync(page, cursor.LowWater, cancellationToken).ConfigureAwait(false);
                foreach (var line in cursor.Take(found, timeProvider.GetUtcNow(), pageFull: found.Count == FollowPageSize))
                {
                    await output.WriteLineAsync(Format(line, json)).ConfigureAwait(false);
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            while (found.Count == FollowPageSize);
        }
    }

    private static string Format(StoredLine line, bool json) => json ? LineFormatter.Json(line) : LineFormatter.Text(line);
}
