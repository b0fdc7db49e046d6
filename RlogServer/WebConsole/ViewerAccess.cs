using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogServer.WebConsole;

/// <summary>
/// Who may read the console: a viewer key (compared in constant time, by hash), or a session
/// made by signing in with one. A session's id is random, given to the browser in a cookie and
/// stored only as its hash, in the database, so it holds on every replica. Sign-in attempts are
/// limited per address; a session's open tails on this replica end when it signs out.
/// </summary>
internal sealed class ViewerAccess : IDisposable
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "rlog_session";

    /// <summary>Sign-in attempts allowed per address and minute.</summary>
    public const int SignInsPerMinute = 10;

    // How long a session found live is trusted without asking the database again.
    private static readonly TimeSpan LiveCacheTime = TimeSpan.FromSeconds(5);

    private readonly byte[][] _keyHashes;
    private readonly LogStore _store;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string> _signIns;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _liveUntil = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, byte>> _tails = new(StringComparer.Ordinal);

    public ViewerAccess(ConsoleOptions options, LogStore store, TimeProvider time)
    {
        _keyHashes = options.ViewerKeys.Select(key => SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToArray();
        _store = store;
        _time = time;
        _signIns = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(
            address,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = SignInsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Whether <paramref name="key"/> is a viewer key. Every key is compared, each in constant time.</summary>
    public bool IsViewerKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var found = false;
        foreach (var known in _keyHashes)
        {
            found |= CryptographicOperations.FixedTimeEquals(hash, known);
        }

        return found;
    }

    /// <summary>Takes one sign-in attempt for the caller's address; false when it has used its minute's share.</summary>
    public bool TryTakeSignIn(HttpContext context)
    {
        using var lease = _signIns.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    /// <summary>Creates a session; returns its id, for the cookie.</summary>
    public async Task<string> CreateSessionAsync(CancellationToken cancellationToken)
    {
        var id = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = _time.GetUtcNow();
        await _store.Console.CreateSessionAsync(Hash(id), now, now + ConsoleOptions.SessionLifetime, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// The caller's session id when it carries a live one (the cookie), else null. A bearer
    /// viewer key is checked by <see cref="IsAuthorizedAsync"/>.
    /// </summary>
    public async Task<string?> LiveSessionAsync(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var id) || string.IsNullOrEmpty(id) || id.Length > 100)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var hash = Hash(id);
        var key = Convert.ToHexString(hash);
        if (_liveUntil.TryGetValue(key, out var until) && until > now)
        {
            return id;
        }

        if (!await _store.Console.IsSessionLiveAsync(hash, now, context.RequestAborted).ConfigureAwait(false))
        {
            _liveUntil.TryRemove(key, out _);
            return null;
        }

        _liveUntil[key] = now + LiveCacheTime;
        return id;
    }

    /// <summary>Whether the request carries a viewer key (<c>Authorization: Bearer</c>) or a live session cookie.</summary>
    public async Task<bool> IsAuthorizedAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return IsViewerKey(authorization["Bearer ".Length..].Trim());
        }

        return await LiveSessionAsync(context).ConfigureAwait(false) is not null;
    }

    /// <summary>Ends a session: in the database, in this replica's cache, and its open tails here.</summary>
    public async Task EndSessionAsync(string id, CancellationToken cancellationToken)
    {
        var hash = Hash(id);
        var key = Convert.ToHexString(hash);
        _liveUntil.TryRemove(key, out _);
        await _store.Console.DeleteSessionAsync(hash, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (_tails.TryRemove(key, out var tails))
        {
            foreach (var tail in tails.Keys)
            {
                await tail.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Registers a tail opened under session <paramref name="id"/>, cancelled when the session
    /// ends; dispose the result when the tail closes.
    /// </summary>
    public IDisposable TrackTail(string id, CancellationTokenSource tail)
    {
        var key = Convert.ToHexString(Hash(id));
        var tails = _tails.GetOrAdd(key, _ => new ConcurrentDictionary<CancellationTokenSource, byte>());
        tails[tail] = 0;
        return new Untrack(() => tails.TryRemove(tail, out _));
    }

    /// <summary>Whether session <paramref name="id"/> is still live in the database (it may end on another replica).</summary>
    public async Task<bool> IsStillLiveAsync(string id, CancellationToken cancellationToken) =>
        await _store.Console.IsSessionLiveAsync(Hash(id), _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

    public void Dispose() => _signIns.Dispose();

    private static byte[] Hash(string id) => SHA256.HashData(Encoding.UTF8.GetBytes(id));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Untrack(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
