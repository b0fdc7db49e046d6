using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

/// <summary>Lines <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive) of one chunk, carried by one batch.</summary>
public readonly record struct LineSegment(LineChunk Chunk, int From, int To);
