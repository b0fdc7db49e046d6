using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Pipeline;

[TestFixture]
[NonParallelizable]
public sealed class ChunkPoolsTests
{
    private static readonly LineOrigin Origin = new("app", "/var/log/app.log", "file-1");

    [Test]
    public void Release_BeforeADrop_BufferRentedAgainAfterTheDrop_NotReused()
    {
        // Same size, back to back: the pool hands the returned buffer out again...
        var first = new LineChunk(Origin, 4096, DateTime.UtcNow);
        var firstBuffer = first.Buffer;
        first.Release();
        var second = new LineChunk(Origin, 4096, DateTime.UtcNow);
        Assert.That(second.Buffer, Is.SameAs(firstBuffer), "the pool keeps what is returned");

        // ...until the pools are dropped: a chunk still out returns its buffer to the old pool,
        // and the new pool starts empty, so nothing the agent used before stays referenced.
        ChunkPools.Drop();
        var secondBuffer = second.Buffer;
        second.Release();
        var third = new LineChunk(Origin, 4096, DateTime.UtcNow);

        Assert.That(third.Buffer, Is.Not.SameAs(secondBuffer).And.Not.SameAs(firstBuffer));
        third.Release();
    }

    [Test]
    public void Release_LineLongerThanAnyPooledBuffer_GrownAndReturnedWithoutError()
    {
        var chunk = new LineChunk(Origin, 16, DateTime.UtcNow);
        chunk.EnsureCapacity(LineChunk.MaxPooledBytes * 4, keep: 0);

        Assert.That(chunk.Buffer, Has.Length.GreaterThanOrEqualTo(LineChunk.MaxPooledBytes * 4));
        Assert.DoesNotThrow(chunk.Release);
    }
}
