namespace RlogBench.Sink;

/// <summary>
/// The set of (file, offset) pairs seen, as one bit per byte offset in pages of 2^20 offsets per file.
/// Lines arrive in offset order, so setting their bits walks memory forward: far cheaper than a hash
/// set of millions of keys, and about 1 bit per byte of log shipped (30 MiB for the 240 MB standard log).
/// </summary>
public sealed class OffsetBitmap
{
    private const int PageBits = 20;
    private const ulong PageMask = (1UL << PageBits) - 1;

    private readonly Dictionary<(ulong File, ulong Page), ulong[]> _pages = [];
    private (ulong File, ulong Page) _lastKey = (0, ulong.MaxValue);
    private ulong[] _lastPage = [];

    public long Count { get; private set; }

    /// <summary>Marks the pair seen; true when it was not seen before.</summary>
    public bool Add(ulong file, ulong offset)
    {
        var key = (file, offset >> PageBits);
        if (key != _lastKey)
        {
            if (!_pages.TryGetValue(key, out var page))
            {
                page = new ulong[(1 << PageBits) / 64];
                _pages.Add(key, page);
            }

            _lastKey = key;
            _lastPage = page;
        }

        var bit = offset & PageMask;
        ref var word = ref _lastPage[bit >> 6];
        var mask = 1UL << (int)(bit & 63);
        if ((word & mask) != 0)
        {
            return false;
        }

        word |= mask;
        Count++;
        return true;
    }
}
