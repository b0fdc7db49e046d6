using System.Text;
using RlogAgent.Storage;

namespace RlogAgent.Configuration;

/// <summary>
/// Writes the agent.yaml of a first run (from <c>SERVER_ADDR</c> and <c>PROJECT_KEY</c>) so later runs
/// need no environment. Written as commented text rather than serialized, so the file a user opens
/// explains itself. Mode 0600: it holds the project key. The settings written are those of
/// <see cref="ScalarSettings.All"/> marked <see cref="ScalarSetting.WrittenAtFirstRun"/>.
/// </summary>
public static class FirstRunConfigWriter
{
    /// <summary>The column a unit comment (<c># seconds</c>) starts at, so they line up.</summary>
    private const int UnitColumn = 26;

    public static void Write(AgentOptions options)
    {
        var text = new StringBuilder()
            .AppendLine("# rlog-agent configuration, written at first run. See docs/configuration.md.");
        // The state folder as an absolute path: a relative one in the file would be taken
        // against the file's folder at the next start, not the working directory it means now.
        options.StateDir = options.StateDirFullPath;
        var written = ScalarSettings.All.Where(s => s.WrittenAtFirstRun);
        foreach (var (section, settings) in ScalarSettings.Blocks(written))
        {
            var indent = "";
            if (section is not null)
            {
                text.AppendLine($"{section}:");
                indent = "  ";
            }

            foreach (var setting in settings)
            {
                AppendSetting(text, options, setting, indent);
            }
        }

        text.AppendLine("# Files to ship, for example:")
            .AppendLine("#   - label: app")
            .AppendLine("#     path: /var/log/app/*.log")
            .AppendLine("sources: []");
        AtomicFile.WriteAllText(options.ConfigPath, text.ToString(), isPrivate: true);
    }

    private static void AppendSetting(StringBuilder text, AgentOptions options, ScalarSetting setting, string indent)
    {
        if (setting.Format(options) is not { } value)
        {
            return;
        }

        if (setting.FirstRunNote is not null)
        {
            text.Append(indent).Append("# ").AppendLine(setting.FirstRunNote);
        }

        var line = $"{indent}{setting.Name}: {value}";
        if (setting.Unit is not null)
        {
            line = line.PadRight(Math.Max(UnitColumn, line.Length + 2)) + "# " + setting.Unit;
        }

        text.AppendLine(line);
    }
}
