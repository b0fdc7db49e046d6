using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RlogServer.Storage.Postgres;

/// <summary>
/// A Bloom filter of the 4-byte substrings (grams) of some lines' UTF-8 bytes: what lets a
/// search for a substring skip the lines that cannot hold it (<see cref="PostgresLineGrams"/>).
/// A text of 4 bytes or more can be in the lines only if every one of its grams is in the filter;
/// the filter never says no to a gram that was added, and says yes to one that was not with a
/// probability of about its fill to the power <see cref="Probes"/>.
/// <para>
/// Each gram sets <see cref="Probes"/> bits, each a 15-bit position taken from one 64-bit hash.
/// The filter starts at <see cref="MaxBits"/> bits and is folded in halves (bit i ORed into bit
/// i mod half) while it stays at most <see cref="MaxFill"/> full, so a bit's position in a filter
/// of m bits is the probe's position mod m: how a reader tests a filter of any size
/// (<c>get_bit(bits, probe &amp; (m - 1))</c> in SQL, <see cref="MayContain"/> here).
/// </para>
/// </summary>
internal sealed class GramBloom
{
    /// <summary>The bytes of a gram.</summary>
    public const int GramBytes = 4;

    /// <summary>The bits each gram sets.</summary>
    public const int Probes = 3;

    /// <summary>
    /// The largest filter: 32,768 bits, 4 KiB, small enough to stay in its row (PostgreSQL moves
    /// longer values out to TOAST, and reading them back would cost more than the filter saves).
    /// </summary>
    public const int MaxBits = 1 << ProbeBits;

    /// <summary>The smallest filter, in bits.</summary>
    public const int MinBits = 512;

    /// <summary>How full a filter may be after a fold: at 30 %, a gram not added passes about 3 % of the time.</summary>
    public const double MaxFill = 0.3;

    private const int ProbeBits = 15;
    private const int ProbeMask = MaxBits - 1;

    private readonly ulong[] _words = new ulong[MaxBits / 64];

    /// <summary>Whether nothing has been added since the last <see cref="Clear"/>.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>Adds every gram of <paramref name="text"/> (none when it is shorter than a gram).</summary>
    public void Add(ReadOnlySpan<byte> text)
    {
        if (text.Length < GramBytes)
        {
            return;
        }

        // Unchecked reads and writes: this runs for every byte of every line stored, and every
        // index is in range by construction (a gram starts at most GramBytes from the end; a
        // probe is below MaxBits, the words' bits).
        ref var words = ref MemoryMarshal.GetArrayDataReference(_words);
        ref var start = ref MemoryMarshal.GetReference(text);
        for (var i = 0; i <= text.Length - GramBytes; i++)
        {
            var gram = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            var hash = Hash(BitConverter.IsLittleEndian ? gram : BinaryPrimitives.ReverseEndianness(gram));
            var first = (int)hash & ProbeMask;
            var second = (int)(hash >> ProbeBits) & ProbeMask;
            var third = (int)(hash >> (2 * ProbeBits)) & ProbeMask;
            Unsafe.Add(ref words, first >> 6) |= 1UL << first;
            Unsafe.Add(ref words, second >> 6) |= 1UL << second;
            Unsafe.Add(ref words, third >> 6) |= 1UL << third;
        }

        IsEmpty = false;
    }

    /// <summary>
    /// The filter as bytes (bit n is bit n % 8 of byte n / 8, as PostgreSQL's <c>get_bit</c>
    /// reads it), folded to the smallest size at most <see cref="MaxFill"/> full.
    /// </summary>
    public byte[] ToBytes()
    {
        var words = _words.AsSpan();
        while (words.Length * 64 > MinBits)
        {
            var half = words.Length / 2;
            var set = 0;
            for (var i = 0; i < half; i++)
            {
                set += BitOperations.PopCount(words[i] | words[i + half]);
            }

            if (set > MaxFill * half * 64)
            {
                break;
            }

            for (var i = 0; i < half; i++)
            {
                words[i] |= words[i + half];
            }

            words = words[..half];
        }

        var bytes = new byte[words.Length * 8];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), words[i]);
        }

        return bytes;
    }

    /// <summary>Empties the filter for the next lines.</summary>
    public void Clear()
    {
        Array.Clear(_words);
        IsEmpty = true;
    }

    /// <summary>
    /// The probe positions (of <see cref="MaxBits"/>) that a filter must all have set to hold
    /// <paramref name="text"/>, distinct and in order; empty when the text is shorter than a
    /// gram, which then no filter can rule out.
    /// </summary>
    public static int[] ProbesOf(ReadOnlySpan<byte> text)
    {
        var probes = new SortedSet<int>();
        for (var i = 0; i + GramBytes <= text.Length; i++)
        {
            var hash = Hash(BinaryPrimitives.ReadUInt32LittleEndian(text[i..]));
            for (var probe = 0; probe < Probes; probe++)
            {
                probes.Add((int)(hash >> (probe * ProbeBits)) & ProbeMask);
            }
        }

        return [.. probes];
    }

    /// <summary>Whether the filter <paramref name="bits"/> may hold a text with these <paramref name="probes"/>.</summary>
    public static bool MayContain(ReadOnlySpan<byte> bits, IEnumerable<int> probes)
    {
        var mask = (bits.Length * 8) - 1;
        foreach (var probe in probes)
        {
            var bit = probe & mask;
            if ((bits[bit >> 3] & (1 << (bit & 7))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    // A gram's hash (its bytes as a little-endian number): a multiply by 2^64 / phi, then the high
    // bits folded onto the low ones, so that each 15-bit probe depends on all 32 of the gram's
    // bits. On access-log lines a gram not added passed as often as with MurmurHash3's finalizer,
    // at a third of the cost per line.
    private static ulong Hash(uint gram)
    {
        var x = gram * 0x9E3779B97F4A7C15UL;
        return x ^ (x >> 29);
    }
}
