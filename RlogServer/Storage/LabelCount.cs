namespace RlogServer.Storage;

/// <summary>How many stored lines carry one label.</summary>
public sealed record LabelCount(string Label, long Lines);
