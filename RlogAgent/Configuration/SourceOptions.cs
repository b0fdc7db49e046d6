namespace RlogAgent.Configuration;

/// <summary>One entry of <c>sources</c> in agent.yaml: a file (or glob of files), its label, how its lines are written.</summary>
public sealed class SourceOptions
{
    /// <summary>Default of <see cref="Format"/>: every line is an event as it is.</summary>
    public const SourceFormat DefaultFormat = SourceFormat.Plain;

    /// <summary>
    /// Most entries in <see cref="Attributes"/>. With <see cref="MaxAttributeNameBytes"/> and
    /// <see cref="MaxAttributeValueBytes"/> it keeps a source's attributes under 25 KiB an event, well
    /// inside the 64 KiB a message keeps beside its line (see <see cref="AgentOptions.MaxLineBytes"/>).
    /// </summary>
    public const int MaxAttributes = 64;

    /// <summary>Longest attribute name, in UTF-8 bytes.</summary>
    public const int MaxAttributeNameBytes = 128;

    /// <summary>
    /// Longest label, in characters (UTF-16 code units, as the reference server counts): the
    /// server's documented limit for <c>Log.label</c>. A longer one would have every line refused.
    /// </summary>
    public const int MaxLabelLength = 1024;

    /// <summary>Longest attribute value, in UTF-8 bytes.</summary>
    public const int MaxAttributeValueBytes = 256;

    /// <summary>The label every line of this source carries. Required.</summary>
    public string Label { get; set; } = "";

    /// <summary>
    /// A file path or a glob (<c>/var/log/app/*.log</c>, <c>/var/log/**/*.log</c>). Required.
    /// Relative paths are taken from the agent's working directory.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>Glob patterns of files that <see cref="Path"/> matches but must not be read. Default: none.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary><c>format</c>: how the files' lines are written: <c>plain</c>, <c>cri</c> or <c>docker</c>. Default <see cref="SourceFormat.Plain"/>.</summary>
    public SourceFormat Format { get; set; } = DefaultFormat;

    /// <summary>
    /// <c>attributes</c>: static name/value pairs added to every event of this source, in the order of
    /// the file; names are unique and not empty. At most <see cref="MaxAttributes"/>. Default: none.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; set; } = [];

    /// <summary><c>multiline</c>: joins the lines of one event (a stack trace) into one. Default null: every record is an event.</summary>
    public MultilineOptions? Multiline { get; set; }

    /// <summary><c>parse</c>: reads each event's time, level and fields from its text. Default null: events keep the read (or record) time and have no level.</summary>
    public ParseOptions? Parse { get; set; }

    /// <summary>
    /// <c>detect_level</c>: without <c>parse</c>, finds a level word (ERROR, WARN, INFO, ...) near the
    /// start of each event. Default false.
    /// </summary>
    public bool DetectLevel { get; set; }

    /// <summary><c>drop</c>: regular expressions; an event matching any is not shipped (its bytes are confirmed, and it is counted). Default: none.</summary>
    public IReadOnlyList<System.Text.RegularExpressions.Regex> Drop { get; set; } = [];

    /// <summary><c>redact</c>: replacements applied, in order, to every event's text before it leaves the host. Default: none.</summary>
    public IReadOnlyList<RedactRule> Redact { get; set; } = [];

    /// <summary>True when events of this source are processed after they are read (parsed, dropped or redacted).</summary>
    public bool ProcessesEvents => Parse is not null || DetectLevel || Drop.Count > 0 || Redact.Count > 0;
}
