using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace RlogAgent.Transport;

/// <summary>
/// What the sender does when the server refuses a batch: it finds the lines the server will not
/// take (splitting the batch, checking a known-good canary line first), sets them aside in
/// rejected.jsonl, and backs off from a refusal that is the server's, not a line's.
/// </summary>
public sealed partial class LogStreamSender
{
    /// <summary>
    /// The server refused content on a call that carried every unconfirmed batch (at its end, or
    /// mid-stream with more batches behind the refused one). Send them one per call, in order, so
    /// each accepted one is confirmed; the first one refused on its own is halved down to its
    /// refused lines, which are set aside, and then confirmed whole. The batches after it go back on
    /// an ordinary call: another refusal among them starts this again.
    /// </summary>
    private async Task ResolveRefusalAsync(Status refusal, CancellationToken cancellationToken)
    {
        TransportLog.Isolating(_logger, _pending.Count, SendRefusal.Name(refusal.StatusCode), refusal.Detail);
        while (_pending.Count > 0)
        {
            var batch = _pending[0];
            if (await ProbeAsync(batch, cancellationToken).ConfigureAwait(false) is not { } refused)
            {
                Confirm(1);
                continue;
            }

            var setAside = new List<RejectedLine>();
            if ((Refusals.AddRefusal() && !await ServerTakesCanaryAsync(refused, cancellationToken).ConfigureAwait(false))
                || !await SplitAsync(BatchSplitter.Parse(batch), refused, setAside, cancellationToken).ConfigureAwait(false))
            {
                await BackOffFromRefusalsAsync(refused, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!await SetAsideAsync(batch, setAside, refused, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            Confirm(1);
            return;
        }
    }

    /// <summary>
    /// <paramref name="part"/> was refused with <paramref name="status"/>: a single line goes to
    /// <paramref name="setAside"/>; otherwise each half is sent on its own call and a refused half is
    /// split again. False when the refusals in a row reached the limit (nothing must be set aside then).
    /// </summary>
    private async Task<bool> SplitAsync(Rlog.V1.LogBatch part, Status status, List<RejectedLine> setAside, CancellationToken cancellationToken)
    {
        if (part.Logs.Count <= 1)
        {
            foreach (var log in part.Logs)
            {
                setAside.Add(new RejectedLine(_time.GetUtcNow(), part.BatchId, log.Label, log.Source, log.FileId, log.Offset, log.Line, SendRefusal.Name(status.StatusCode), status.Detail));
            }

            return true;
        }

        var (first, second) = BatchSplitter.Halve(part);
        foreach (var half in new[] { first, second })
        {
            if (await ProbeAsync(BatchSplitter.Encode(half), cancellationToken).ConfigureAwait(false) is not { } refused)
            {
                continue;
            }

            if ((Refusals.AddRefusal() && !await ServerTakesCanaryAsync(refused, cancellationToken).ConfigureAwait(false))
                || !await SplitAsync(half, refused, setAside, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The refusals in a row reached the limit: is the server broken, or is it one source's data (a
    /// label over the server's limit refuses every line of that source)? A line the server stored
    /// before is sent again, alone, under a new batch id: the server drops it as a duplicate (its
    /// file_id and offset name it), so storing it costs nothing. Taken, the server works and the
    /// refusals are the data's: the streak starts over and splitting goes on, so one source's bad
    /// lines are set aside instead of stopping every source. Refused too, or with no line ever
    /// confirmed to try, the server is taken as broken: back off, nothing set aside.
    /// </summary>
    private async Task<bool> ServerTakesCanaryAsync(Status refusal, CancellationToken cancellationToken)
    {
        if (_canary is null)
        {
            return false;
        }

        var canary = new Rlog.V1.LogBatch { BatchId = Guid.CreateVersion7().ToString(), SendAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()) };
        canary.Logs.Add(_canary);
        var taken = await ProbeAsync(BatchSplitter.Encode(canary), cancellationToken).ConfigureAwait(false) is null;
        TransportLog.CanaryTried(_logger, Refusals.Limit, SendRefusal.Name(refusal.StatusCode), taken);
        return taken;
    }

    /// <summary>Keeps the first line of a confirmed batch as the canary, at most once per <see cref="CanaryRefresh"/>.</summary>
    private void KeepCanary(EncodedBatch batch)
    {
        if (_canary is not null && _time.GetElapsedTime(_canaryTakenAt) < CanaryRefresh)
        {
            return;
        }

        var parsed = BatchSplitter.Parse(batch);
        if (parsed.Logs.Count > 0)
        {
            _canary = parsed.Logs[0];
            _canaryTakenAt = _time.GetTimestamp();
        }
    }

    /// <summary>
    /// Sends <paramref name="batch"/> alone on a call of its own until the server answers: null when
    /// it stored it, else the refusal. Transient failures back off and try again, as on the main call.
    /// </summary>
    private async Task<Status?> ProbeAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            AsyncClientStreamingCall<EncodedBatch, Empty>? call = null;
            try
            {
                call = await StartCallAsync(cancellationToken).ConfigureAwait(false);
                await WriteOneAsync(call, batch, cancellationToken).ConfigureAwait(false);
                await CompleteAndAwaitAsync(call, cancellationToken).ConfigureAwait(false);
                Refusals.Reset();
                return null;
            }
            catch (Exception e) when (IsCallFailure(e, cancellationToken))
            {
                var status = await StatusOfAsync(e, call).ConfigureAwait(false);
                if (SendRefusal.IsRefusal(status))
                {
                    return status;
                }

                await RecoverAsync(status, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                call?.Dispose();
            }
        }
    }

    /// <summary>
    /// Writes the refused lines to rejected.jsonl (on disk before the checkpoint may move), counts
    /// and logs them once with the batch's id. False when the file cannot be written: then nothing
    /// moves, and the batch is tried again after a backoff.
    /// </summary>
    private async Task<bool> SetAsideAsync(EncodedBatch batch, List<RejectedLine> lines, Status refusal, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            // Every part was stored on its own: the refusal did not repeat.
            TransportLog.RefusalNotRepeated(_logger, batch.BatchId, SendRefusal.Name(refusal.StatusCode));
            return true;
        }

        try
        {
            _rejected.Append(lines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var delay = Backoff.Next();
            _failing = true;
            TransportLog.SetAsideFailed(_logger, _rejected.Path, e.Message, batch.BatchId, Configuration.DurationText.Format(delay));
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return false;
        }

        batch.RejectedLines += lines.Count;
        _counters.AddRejected(lines.Count);
        TransportLog.BatchRejected(_logger, batch.BatchId, SendRefusal.Name(refusal.StatusCode), refusal.Detail, lines.Count, batch.Receipt.Lines, _rejected.Path);
        return true;
    }

    /// <summary>Lines too big for any message: set aside before their batch is written, so its confirmation may move their checkpoint.</summary>
    private async Task SetAsideOversizedAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        var lines = batch.Oversized.Select(l => new RejectedLine(
            _time.GetUtcNow(),
            batch.BatchId,
            l.Chunk.Origin.Label,
            l.Chunk.Origin.Source,
            l.Chunk.Origin.FileId,
            (ulong)l.Chunk[l.Index].Offset,
            System.Text.Encoding.UTF8.GetString(l.Chunk.Text(l.Index)),
            SendRefusal.Name(StatusCode.ResourceExhausted),
            $"the line encodes to more than {LogBatchEncoder.MaxLogBytes} bytes: a message carrying it would exceed the 4 MiB message limit")).ToList();
        var status = new Status(StatusCode.ResourceExhausted, "exceeds the message limit");
        while (!await SetAsideAsync(batch, lines, status, cancellationToken).ConfigureAwait(false))
        {
            // SetAsideAsync backed off; the file may be writable now.
        }

        batch.Oversized = [];
    }

    /// <summary>Refusals in a row reached the limit: the server, not the data. Nothing is set aside and no checkpoint moves.</summary>
    private async Task BackOffFromRefusalsAsync(Status refusal, CancellationToken cancellationToken)
    {
        _failing = true;
        _counters.AddRetry();
        var delay = Backoff.Next();
        TransportLog.RefusingEverything(_logger, Refusals.InARow, SendRefusal.Name(refusal.StatusCode), refusal.Detail, _pending.Count, Configuration.DurationText.Format(delay));
        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
    }
}
