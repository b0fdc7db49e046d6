using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Rlog.V1;
using RlogServer.Auth;
using RlogServer.Storage;

namespace RlogServer.Services;

/// <summary><c>rlog.v1.HealthService</c>: records each heartbeat with every field it carries.</summary>
internal sealed class AgentHealthService : HealthService.HealthServiceBase
{
    private readonly BearerTokenAuthenticator _authenticator;
    private readonly LogStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AgentHealthService> _logger;

    public AgentHealthService(
        BearerTokenAuthenticator authenticator,
        LogStore store,
        TimeProvider timeProvider,
        ILogger<AgentHealthService> logger)
    {
        _authenticator = authenticator;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public override async Task<Empty> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        var agentUuid = await _authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        await _store
            .RecordHeartbeatAsync(agentUuid, request, _timeProvider.GetUtcNow(), context.CancellationToken)
            .ConfigureAwait(false);
        AgentHealthServiceLog.HeartbeatRecorded(
            _logger,
            agentUuid,
            request.Cpu,
            request.Memory,
            request.LinesRead,
            request.LinesConfirmed,
            request.BatchesUnconfirmed);
        return new Empty();
    }
}
