using System.Buffers;

namespace RlogAgent.Pipeline;

/// <summary>
/// The pools <see cref="LineChunk"/> rents its buffers from: the agent's own, not the process-wide
/// shared pools, so that an agent at rest can let go of every idle buffer at once
/// (<see cref="Drop"/>, called by the idle trimmer before its collection). The shared pool trims
/// itself on full collections and keeps the buffers it handed out recently, and an agent at rest
/// runs no collection after the trimmer's, so they stayed resident. A chunk returns its buffers to the
/// pool it rented them from: after a drop, chunks still in flight return theirs to the old pool,
/// which is collected with them.
/// </summary>
public static class ChunkPools
{
    // Per size, as many buffers as a busy pipeline takes back and rents again between two reads;
    // what is out at once is bounded by the pipeline's byte budget, not by this.
    private const int ArraysPerBucket = 32;

    // Largest line table pooled (entries); a chunk of 64 KiB of short lines needs a few thousand.
    private const int MaxPooledEntries = 16 * 1024;

    private static Pools s_current = new();

    /// <summary>The pools new chunks rent from.</summary>
    public static Pools Current => Volatile.Read(ref s_current);

    /// <summary>Starts new, empty pools: the old ones, and what they hold, go with the last chunk that uses them.</summary>
    public static void Drop() => Volatile.Write(ref s_current, new Pools());

    /// <summary>One generation of pools.</summary>
    public sealed class Pools
    {
        public ArrayPool<byte> Bytes { get; } = ArrayPool<byte>.Create(LineChunk.MaxPooledBytes, ArraysPerBucket);

        public ArrayPool<LineEntry> Entries { get; } = ArrayPool<LineEntry>.Create(MaxPooledEntries, ArraysPerBucket);
    }
}
