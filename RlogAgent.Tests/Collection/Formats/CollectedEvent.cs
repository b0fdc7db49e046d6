using RlogAgent.Collection.Formats;
using RlogAgent.Pipeline;

namespace RlogAgent.Tests.Collection.Formats;

/// <summary>A copy of an <see cref="AssembledEvent"/>, kept after the sink's call (its text decoded as the integrator would).</summary>
public sealed record CollectedEvent(string Text, byte[] Bytes, RecordTimestamp? Time, LogIoStream Stream, long Offset, long NextOffset, long ResumeOffset, bool Cut);
