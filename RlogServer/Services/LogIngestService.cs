using System.Data.Common;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Rlog.V1;
using RlogServer.Auth;
using RlogServer.Common;
using RlogServer.Metrics;
using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary>
/// <c>rlog.v1.LogService</c>: stores every batch of a Send call, each in its own transaction,
/// and answers OK only once the last one is committed. When the server stops, a call ends
/// after the batch it is storing with UNAVAILABLE, so a long-lived stream does not hold the
/// shutdown up and the agent re-sends what it was not told is stored. A store error caused by a
/// value in the batch is answered INVALID_ARGUMENT (the agent sets that line aside), any other
/// INTERNAL (the agent retries). One agent has at most <c>MaxSendCallsPerAgent</c> calls open, and
/// the replica holds at most <c>MaxInFlightBytes</c> of messages across all calls.
/// </summary>
internal sealed class LogIngestService : LogService.LogServiceBase
{
    private readonly BearerTokenAuthenticator _authenticator;
    private readonly LogStore _store;
    private readonly BatchValidator _validator;
    private readonly SendCallLimiter _calls;
    private readonly InFlightBudget _inFlight;
    private readonly ServerMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly AgentLastSeen _lastSeen;
    private readonly ILogger<LogIngestService> _logger;

    public LogIngestService(
        BearerTokenAuthenticator authenticator,
        LogStore store,
        BatchValidator validator,
        SendCallLimiter calls,
        InFlightBudget inFlight,
        ServerMetrics metrics,
        TimeProvider timeProvider,
        IHostApplicationLifetime lifetime,
        AgentLastSeen lastSeen,
        ILogger<LogIngestService> logger)
    {
        _authenticator = authenticator;
        _store = store;
        _validator = validator;
        _calls = calls;
        _inFlight = inFlight;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _lifetime = lifetime;
        _lastSeen = lastSeen;
        _logger = logger;
    }

    public override async Task<Empty> Send(IAsyncStreamReader<LogBatch> requestStream, ServerCallContext context)
    {
        // Before the first read: a caller without a live token gets nothing stored.
        var agentUuid = await _authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        if (!_calls.TryEnter(agentUuid))
        {
            LogIngestServiceLog.TooManyCalls(_logger, agentUuid, _calls.MaxPerAgent);
            // Worded as overload, never as a message size: the agent backs off instead of splitting.
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"this agent already has {_calls.MaxPerAgent} Send calls open; retry later"));
        }

        try
        {
            return await SendAsync(agentUuid, requestStream, context).ConfigureAwait(false);
        }
        finally
        {
            _calls.Exit(agentUuid);
        }
    }

    private async Task<Empty> SendAsync(string agentUuid, IAsyncStreamReader<LogBatch> requestStream, ServerCallContext context)
    {
        var started = _timeProvider.GetTimestamp();
        var tally = new SendTally();
        using var readCancellation = CancellationTokenSource.CreateLinkedTokenSource(
            context.CancellationToken,
            _lifetime.ApplicationStopping);
        try
        {
            await ReadAndStoreAsync(agentUuid, requestStream, tally, readCancellation.Token, context.CancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            LogIngestServiceLog.SendRefused(_logger, agentUuid, tally.Batches, tally.Stored, tally.Duplicates, LogText.Cut(ex.Status.Detail, 256));
            throw;
        }
        catch (DbException ex) when (DataErrors.IsCausedByData(ex))
        {
            // The line's fault, not the server's: retrying it would stall the agent behind it.
            var detail = $"the store cannot take a value in this batch ({LogText.Cut(DataErrors.Describe(ex), 200)})";
            LogIngestServiceLog.SendRefused(_logger, agentUuid, tally.Batches, tally.Stored, tally.Duplicates, detail);
            throw new RpcException(new Status(StatusCode.InvalidArgument, detail));
        }
        catch (DbException ex)
        {
            LogIngestServiceLog.StoreFailed(_logger, ex, agentUuid, tally.Batches, tally.Stored, tally.Duplicates);
            // INTERNAL is on the agent's list of transient codes: it re-sends what was not confirmed.
            throw new RpcException(new Status(StatusCode.Internal, "the server could not store the batch"));
        }
        catch (OperationCanceledException) when (
            _lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            LogIngestServiceLog.SendEndedByShutdown(_logger, agentUuid, tally.Batches, tally.Stored, tally.Duplicates);
            throw new RpcException(new Status(StatusCode.Unavailable, "the server is shutting down"));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The agent went away mid-call: what was committed stays; the rest it will re-send.
            LogIngestServiceLog.SendAborted(_logger, agentUuid, tally.Batches, tally.Stored, tally.Duplicates);
            throw;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        LogIngestServiceLog.SendCompleted(
            _logger,
            agentUuid,
            tally.Batches,
            tally.Stored,
            tally.Duplicates,
            (long)elapsed.TotalMilliseconds);
        return new Empty();
    }

    // Batch N is stored on a pool thread while batch N+1 is read and parsed, so the two halves
    // of the work overlap; batches are still committed one at a time, in order, and the method
    // returns only after the last commit.
    private async Task ReadAndStoreAsync(
        string agentUuid,
        IAsyncStreamReader<LogBatch> requestStream,
        SendTally tally,
        CancellationToken readCancellation,
        CancellationToken callCancellation)
    {
        Task<BatchStoreResult>? storing = null;
        try
        {
            while (true)
            {
                // A slot before every read: the message read is held until it is stored.
                await _inFlight.TakeAsync(readCancellation).ConfigureAwait(false);
                bool more;
                try
                {
                    more = await requestStream.MoveNext(readCancellation).ConfigureAwait(false);
                }
                catch
                {
                    _inFlight.Return();
                    throw;
                }

                if (!more)
                {
                    _inFlight.Return();
                    break;
                }

                var batch = requestStream.Current;
                try
                {
                    _validator.ThrowIfInvalid(batch);
                    StoredText.ReplaceNul(batch);
                    if (storing is not null)
                    {
                        tally.Add(await storing.ConfigureAwait(false));
                        storing = null;
                    }
                }
                catch
                {
                    _inFlight.Return();
                    throw;
                }

                if (batch.Logs.Count > 0)
                {
                    var receivedAt = _timeProvider.GetUtcNow();
                    storing = Task.Run(() => StoreAndReturnSlotAsync(agentUuid, batch, receivedAt, callCancellation), CancellationToken.None);
                }
                else
                {
                    _inFlight.Return();
                    tally.Add(default);
                }
            }

            if (storing is not null)
            {
                tally.Add(await storing.ConfigureAwait(false));
                storing = null;
            }
        }
        finally
        {
            if (storing is not null)
            {
                await FinishAfterReadFailedAsync(agentUuid, storing, tally).ConfigureAwait(false);
            }
        }
    }

    // Reading failed while the previous batch was being stored: that store still finishes (its
    // lines count in the log line), and if it fails too, that failure is logged here because
    // the read's failure is the one the agent is told about.
    private async Task FinishAfterReadFailedAsync(string agentUuid, Task<BatchStoreResult> storing, SendTally tally)
    {
        try
        {
            tally.Add(await storing.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException)
        {
            LogIngestServiceLog.StoreFailed(_logger, ex, agentUuid, tally.Batches, tally.Stored, tally.Duplicates);
        }
    }

    private async Task<BatchStoreResult> StoreAndReturnSlotAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        try
        {
            return await StoreAsync(agentUuid, batch, receivedAt, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Return();
        }
    }

    private async Task<BatchStoreResult> StoreAsync(
        string agentUuid,
        LogBatch batch,
        DateTimeOffset receivedAt,
        CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var result = await _store.StoreBatchAsync(agentUuid, batch, receivedAt, cancellationToken).ConfigureAwait(false);
        _metrics.BatchStored(result.Stored, result.Duplicates, _timeProvider.GetElapsedTime(started));
        await _lastSeen.NoteAsync(agentUuid, receivedAt).ConfigureAwait(false);
        return result;
    }
}
