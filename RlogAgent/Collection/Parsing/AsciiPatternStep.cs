using System.Buffers;

namespace RlogAgent.Collection.Parsing;

/// <summary>
/// One step of an <see cref="AsciiPattern"/>. For a repeat, <c>Stop</c> holds the ASCII bytes
/// outside its class (null when there are none), so that how far it runs is one vectorized search.
/// </summary>
internal readonly record struct AsciiPatternStep(AsciiPatternStepKind Kind, AsciiClass Class = default, int Min = 1, int Max = 1, bool Lazy = false, int Group = 0, SearchValues<byte>? Stop = null);
