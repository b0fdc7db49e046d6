using System.Runtime.InteropServices;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Rlog.V1;
using RlogAgent.Common;
using RlogAgent.Transport;

namespace RlogAgent.Auth;

/// <summary>
/// Keeps a valid access token: registers on first start, refreshes before <c>access_expires_at</c>,
/// stores a rotated refresh token before using it, and registers again with the stored uuid when the
/// refresh token is refused. A wrong project key (PERMISSION_DENIED) is said clearly and retried
/// slowly; it never spins. One renewal at a time: concurrent callers wait for it and share its result.
/// </summary>
public sealed class TokenKeeper : ITokenSource
{
    /// <summary>Deadline of each Register and Refresh call.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Most lead time taken to refresh before expiry; shorter lifetimes refresh at 80 %.</summary>
    public static readonly TimeSpan MaxRefreshLead = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Access lifetime assumed when the one measured on receipt (expires_at minus the local clock)
    /// is not believable: zero or less (the host clock is ahead of the server's by more than the
    /// lifetime) or more than <see cref="MaxBelievableLifetime"/> (far behind).
    /// </summary>
    public static readonly TimeSpan FallbackLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Longest access lifetime taken at face value.</summary>
    public static readonly TimeSpan MaxBelievableLifetime = TimeSpan.FromDays(1);

    /// <summary>
    /// Shortest wait before a scheduled refresh, whatever the token says: a lifetime measured as a
    /// few milliseconds (clocks apart by almost exactly the lifetime) must not mean a refresh per call.
    /// </summary>
    public static readonly TimeSpan MinRefreshDelay = TimeSpan.FromSeconds(1);

    private readonly AuthService.AuthServiceClient _client;
    private readonly AgentStateStore _state;
    private readonly string _projectKey;
    private readonly string _configPath;
    private readonly string _agentVersion;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ExponentialBackoff _transient = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
    private readonly ExponentialBackoff _denied = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
    private string? _access;
    private string? _refresh;
    private string? _uuid;
    private string? _secret;
    private DateTimeOffset _refreshAt = DateTimeOffset.MinValue;
    private long _generation;

    public TokenKeeper(AuthService.AuthServiceClient client, AgentStateStore state, string projectKey, string configPath, string agentVersion, ILogger logger, TimeProvider time)
    {
        _client = client;
        _state = state;
        _projectKey = projectKey;
        _configPath = configPath;
        _agentVersion = agentVersion;
        _logger = logger;
        _time = time;
    }

    /// <summary>The server's address (server_addr), for log lines a person acts on.</summary>
    public string Server { get; init; } = "";

    /// <summary>The current access token (null before the first registration). Never logged.</summary>
    public string? AccessToken => Volatile.Read(ref _access);

    public string? AgentUuid => _uuid;

    /// <summary>Successful Register calls since start.</summary>
    public int Registrations { get; private set; }

    /// <summary>Successful Refresh calls since start.</summary>
    public int Refreshes { get; private set; }

    /// <summary>Gets the first access token: refresh with the stored token, or register. Waits while the server is away.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _uuid = _state.LoadUuid();
        _refresh = _state.LoadRefreshToken();
        _secret = _state.LoadSecret();
        await RenewAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnsureFreshAsync(CancellationToken cancellationToken)
    {
        if (_access is null || _time.GetUtcNow() >= _refreshAt)
        {
            await RenewAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var seen = Interlocked.Read(ref _generation);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _generation) != seen && _access is not null)
            {
                return;
            }

            while (true)
            {
                try
                {
                    if (_uuid is not null && _refresh is not null && await TryRefreshAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    await RegisterAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
                {
                    var delay = _denied.Next();
                    AuthLog.ProjectKeyRejected(_logger, Server, _configPath, Configuration.DurationText.Format(delay));
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
                {
                    var delay = _transient.Next();
                    AuthLog.AuthUnavailable(_logger, Server, _uuid is null ? "registration" : "token renewal", e.StatusCode.ToString(), e.Status.Detail, Configuration.DurationText.Format(delay));
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }

            _transient.Reset();
            _denied.Reset();
            Interlocked.Increment(ref _generation);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True when refreshed; false when the server refused the refresh token (register instead).</summary>
    private async Task<bool> TryRefreshAsync(CancellationToken cancellationToken)
    {
        RefreshResponse response;
        try
        {
            response = await _client.RefreshAsync(
                new RefreshRequest { AgentUuid = _uuid, RefreshToken = _refresh },
                deadline: DateTime.UtcNow + CallTimeout,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.NotFound)
        {
            AuthLog.RefreshRefused(_logger, _uuid!);
            return false;
        }

        if (!string.IsNullOrEmpty(response.RefreshToken))
        {
            // Stored before use: after a crash the agent must hold the token the server now expects.
            _state.SaveRefreshToken(response.RefreshToken);
            _refresh = response.RefreshToken;
        }

        SetAccess(response.AccessToken, response.AccessExpiresAt?.ToDateTimeOffset());
        Refreshes++;
        AuthLog.Refreshed(_logger, response.AccessExpiresAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue);
        return true;
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var response = await _client.RegisterAsync(
            new RegisterRequest
            {
                ProjectKey = _projectKey,
                AgentUuid = _uuid ?? "",
                Hostname = AgentInfo.Hostname,
                Os = RuntimeInformation.OSDescription,
                AgentVersion = _agentVersion,
                // A server that issues secrets hands a stored uuid only to its holder; one that
                // issues none ignores the field.
                AgentSecret = _secret ?? "",
            },
            deadline: DateTime.UtcNow + CallTimeout,
            cancellationToken: cancellationToken).ConfigureAwait(false);

        if (!string.IsNullOrEmpty(response.AgentSecret))
        {
            _state.SaveSecret(response.AgentSecret);
            _secret = response.AgentSecret;
        }

        if (response.AgentUuid != _uuid)
        {
            if (_uuid is not null)
            {
                AuthLog.UuidReplaced(_logger, _uuid, response.AgentUuid);
            }

            _state.SaveUuid(response.AgentUuid);
            _uuid = response.AgentUuid;
        }

        _state.SaveRefreshToken(response.RefreshToken);
        _refresh = response.RefreshToken;
        SetAccess(response.AccessToken, response.AccessExpiresAt?.ToDateTimeOffset());
        Registrations++;
        AuthLog.Registered(_logger, _uuid);
    }

    // Scheduled from the lifetime measured on receipt, on the local clock alone: comparing the
    // server's absolute expiry with a host clock that is ahead by more than the lifetime would
    // make every call refresh. The server's own "now" is unknown, so expires_at minus the local
    // now stands for the lifetime, and an unbelievable one falls back to FallbackLifetime.
    private void SetAccess(string token, DateTimeOffset? expiresAt)
    {
        var now = _time.GetUtcNow();
        if (expiresAt is { } expiry)
        {
            var lifetime = expiry - now;
            if (lifetime <= TimeSpan.Zero || lifetime > MaxBelievableLifetime)
            {
                lifetime = FallbackLifetime;
            }

            var lead = TimeSpan.FromTicks(Math.Min(MaxRefreshLead.Ticks, lifetime.Ticks / 5));
            var delay = lifetime - lead;
            _refreshAt = now + (delay < MinRefreshDelay ? MinRefreshDelay : delay);
        }
        else
        {
            _refreshAt = DateTimeOffset.MaxValue;
        }

        Volatile.Write(ref _access, token);
    }
}
