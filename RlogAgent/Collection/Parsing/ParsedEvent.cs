namespace RlogAgent.Collection.Parsing;

/// <summary>What a parser found in one event. Reused from event to event: <see cref="Reset"/> between them.</summary>
public sealed class ParsedEvent
{
    /// <summary>Longest level text kept; a longer value is not a level.</summary>
    public const int MaxLevelBytes = 32;

    private readonly byte[] _level = new byte[MaxLevelBytes];
    private int _levelLength;

    /// <summary>The event's time, 100 ns ticks since the epoch; 0 when none was found (or it did not parse).</summary>
    public long TimeTicks { get; set; }

    /// <summary>SeverityNumber, 0 when none.</summary>
    public byte Severity { get; private set; }

    /// <summary>The level's text as written (valid until the next event).</summary>
    public ReadOnlySpan<byte> LevelText => _level.AsSpan(0, _levelLength);

    /// <summary>The fields to ship as attributes.</summary>
    public AttributeBytes Attributes { get; } = new();

    /// <summary>Why the event did not parse (or its time did not), or null: counted, and said once a minute.</summary>
    public string? Failure { get; set; }

    /// <summary>Takes <paramref name="text"/> as the level when it is one; false (and nothing kept) otherwise.</summary>
    public bool TrySetLevel(ReadOnlySpan<byte> text)
    {
        if (text.Length > MaxLevelBytes || !SeverityLevels.TryParse(text, out var number))
        {
            return false;
        }

        Severity = number;
        text.CopyTo(_level);
        _levelLength = text.Length;
        return true;
    }

    public void Reset()
    {
        TimeTicks = 0;
        Severity = 0;
        _levelLength = 0;
        Attributes.Clear();
        Failure = null;
    }
}
