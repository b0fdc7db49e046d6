using RlogAgent.Pipeline;

namespace RlogAgent.Transport;

public static partial class LogBatchEncoder
{
    /// <summary>
    /// The one place where a batch ends: at <c>batch_size</c> lines, at the byte limit, or at the end
    /// of a hand-off from the pipeline unless more chunks already wait behind it, in which case the
    /// short last batch stays open and the next hand-off's lines fill it; across one hand-off at most,
    /// so a line waits no longer than the hand-off after its own (the pipeline hands every chunk on
    /// within flush_interval). So under a backlog every batch is full whatever a read brought, and when
    /// the agent has caught up nothing waits. Holds references on the chunks of the open batch. One
    /// caller at a time (the sender's writer).
    /// </summary>
    public sealed class Cutter(int maxLines, int maxBytes)
    {
        private readonly BatchBuilder _open = new();

        /// <summary>Lines of the batch left open by the last <see cref="Cut"/>.</summary>
        public int OpenLines => _open.Lines;

        /// <summary>
        /// Cuts the chunks' lines, in order and after those of the open batch, into batches; the last
        /// stays open when <paramref name="keepLastOpen"/>. Each batch holds a reference on the chunks it
        /// carries; the caller still holds its own.
        /// </summary>
        public List<EncodedBatch> Cut(IReadOnlyList<LineChunk> chunks, bool keepLastOpen)
        {
            var batches = new List<EncodedBatch>(1);
            // The open batch was kept from the hand-off before: it may not be kept again.
            var carried = !IsEmpty;

            foreach (var chunk in chunks)
            {
                var origin = OriginFields.Of(chunk.Origin);
                var time = new TimeField(chunk.ReadAtUtc);
                for (var i = 0; i < chunk.Count; i++)
                {
                    if (chunk[i].Dropped)
                    {
                        // Not on the wire; its offset still moves the checkpoint with the batch.
                        _open.AddDropped(chunk, i);
                        continue;
                    }

                    var entry = EntrySize(chunk, i, origin, ref time);
                    if (entry > MaxLogBytes)
                    {
                        // Stays in the batch's receipt (its checkpoint moves with the batch), not in its body.
                        _open.AddOversized(chunk, i);
                        continue;
                    }

                    if (_open.Lines > 0 && (_open.Lines >= maxLines || _open.Bytes + entry > maxBytes))
                    {
                        batches.Add(_open.Build());
                        carried = false;
                    }

                    _open.Add(chunk, i, entry);
                }
            }

            // Open across one hand-off at most: under a steady trickle a chunk always waits behind,
            // and the lines of a batch kept open for good would wait for batch_size, not flush_interval.
            var keep = keepLastOpen && _open.Lines < maxLines && !carried;
            if (!keep && !IsEmpty)
            {
                batches.Add(_open.Build());
            }

            return batches;
        }

        private bool IsEmpty => _open.Lines == 0 && !_open.HasOversized && _open.Dropped == 0;

        /// <summary>Lets go of the open batch's lines and chunks (the agent is stopping or the call failed for good).</summary>
        public void Abandon() => _open.Abandon();
    }
}
