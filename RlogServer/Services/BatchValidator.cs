using Grpc.Core;
using Rlog.V1;
using RlogServer.Common;
using RlogServer.Configuration;

namespace RlogServer.Services;

/// <summary>
/// Checks a <c>LogBatch</c> against the <see cref="IngestLimits"/> before anything of it is
/// stored; a refusal is INVALID_ARGUMENT naming the batch, the log and the field.
/// </summary>
internal sealed class BatchValidator
{
    private readonly IngestLimits _limits;

    public BatchValidator(ServerOptions options)
    {
        _limits = options.Limits;
    }

    public void ThrowIfInvalid(LogBatch batch)
    {
        if (batch.BatchId.Length == 0)
        {
            throw Refuse("a batch has no batch_id");
        }

        if (batch.BatchId.Length > _limits.MaxBatchIdLength)
        {
            throw Refuse($"batch_id is longer than {_limits.MaxBatchIdLength} characters");
        }

        var batchId = LogText.Cut(batch.BatchId, 64);
        if (batch.Logs.Count > _limits.MaxLinesPerBatch)
        {
            throw Refuse($"batch {batchId}: logs: {batch.Logs.Count} lines, more than {_limits.MaxLinesPerBatch} per batch");
        }

        for (var i = 0; i < batch.Logs.Count; i++)
        {
            var log = batch.Logs[i];
            // Without a file id a line has no name, and exactly-once storage is impossible.
            if (log.FileId.Length == 0)
            {
                throw Refuse($"batch {batchId}: log {i} has no file_id");
            }

            CheckLength(batchId, i, "file_id", log.FileId, _limits.MaxFileIdLength);
            CheckLength(batchId, i, "label", log.Label, _limits.MaxLabelLength);
            CheckLength(batchId, i, "source", log.Source, _limits.MaxSourceLength);
            if (log.Attributes.Count == 0)
            {
                continue;
            }

            if (log.Attributes.Count > _limits.MaxAttributes)
            {
                throw Refuse($"batch {batchId}: log {i}: attributes: {log.Attributes.Count} entries, more than {_limits.MaxAttributes}");
            }

            foreach (var (key, value) in log.Attributes)
            {
                CheckLength(batchId, i, "attributes key", key, _limits.MaxAttributeKeyLength);
                CheckLength(batchId, i, $"attributes[{LogText.Cut(key, 64)}]", value, _limits.MaxAttributeValueLength);
            }
        }
    }

    private static void CheckLength(string batchId, int index, string field, string value, int max)
    {
        if (value.Length > max)
        {
            throw Refuse($"batch {batchId}: log {index}: {field} is longer than {max} characters");
        }
    }

    private static RpcException Refuse(string detail) => new(new Status(StatusCode.InvalidArgument, detail));
}
