namespace RlogAgent.Benchmarks;

/// <summary>A line as the agent held it before chunks: a string per line, for the generated-types rows.</summary>
public readonly record struct BenchLine(string Label, string Text, DateTime ReadAtUtc, string Source, string FileId, long Offset, long NextOffset);
