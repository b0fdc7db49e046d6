using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using RlogAgent.Tests.Server.Support;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Auth;

[TestFixture(StorageEngineKind.Sqlite)]
[TestFixture(StorageEngineKind.Postgres)]
public sealed class TokenServiceTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private readonly StorageEngineKind _engine;
    private TestDatabase _database = null!;
    private LogStore _store = null!;
    private FakeTimeProvider _clock = null!;
    private TokenService _tokens = null!;

    public TokenServiceTests(StorageEngineKind engine)
    {
        _engine = engine;
    }

    [SetUp]
    public async Task CreateService()
    {
        _database = await TestDatabase.CreateAsync(_engine);
        _store = _database.Open();
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _tokens = new TokenService(_store, new ServerOptions { ProjectKeys = ["k"] }, _clock);
    }

    [TearDown]
    public async Task DeleteDatabase()
    {
        _store.Dispose();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task IssueAsync_Agent_TokensAre32RandomBytesInBase64Url()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(Base64Url.DecodeFromChars(pair.AccessToken), Has.Length.EqualTo(32));
            Assert.That(Base64Url.DecodeFromChars(pair.RefreshToken), Has.Length.EqualTo(32));
            Assert.That(pair.AccessToken, Is.Not.EqualTo(pair.RefreshToken));
            Assert.That(pair.AccessExpiresAt, Is.EqualTo(_clock.GetUtcNow() + ServerOptions.DefaultAccessTokenLifetime));
            Assert.That(pair.RefreshExpiresAt, Is.EqualTo(_clock.GetUtcNow() + ServerOptions.DefaultRefreshTokenLifetime));
        });
    }

    [Test]
    public async Task IssueAsync_Agent_DatabaseHoldsOnlySha256Hashes()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        var stored = ReadTokenHashes();

        var expected = new[] { pair.AccessToken, pair.RefreshToken }
            .Select(token => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        Assert.That(stored, Is.EquivalentTo(expected));
    }

    [Test]
    public async Task ValidateAccessToken_RefreshTokenPresented_Null()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(Validate(pair.AccessToken), Is.EqualTo(AgentUuid));
            Assert.That(Validate(pair.RefreshToken), Is.Null);
        });
    }

    [Test]
    public async Task ValidateAccessToken_PastItsLifetime_Null()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        _clock.Advance(ServerOptions.DefaultAccessTokenLifetime);

        Assert.That(Validate(pair.AccessToken), Is.Null);
    }

    [Test]
    public async Task RefreshAsync_SameTokenTwiceAtOnce_OnlyOneSucceeds()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        var results = await Task.WhenAll(
            Task.Run(() => _tokens.RefreshAsync(AgentUuid, pair.RefreshToken)),
            Task.Run(() => _tokens.RefreshAsync(AgentUuid, pair.RefreshToken))).WaitAsync(Timeout);

        Assert.That(results.Count(result => result is not null), Is.EqualTo(1));
    }

    [Test]
    public async Task RefreshAsync_AfterRotation_OldAccessTokenStillValidUntilItExpires()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        var refreshed = await _tokens.RefreshAsync(AgentUuid, pair.RefreshToken).WaitAsync(Timeout);

        // A Send call already under way with the old token keeps working; only refresh tokens rotate.
        Assert.Multiple(() =>
        {
            Assert.That(refreshed, Is.Not.Null);
            Assert.That(Validate(pair.AccessToken), Is.EqualTo(AgentUuid));
            Assert.That(Validate(refreshed!.AccessToken), Is.EqualTo(AgentUuid));
        });
    }

    [Test]
    public async Task ExpireAccessTokens_Agent_OnlyThatAgentsTokensRefused()
    {
        var mine = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);
        var other = await _tokens.IssueAsync("0199aaaa-bbbb-7ccc-8ddd-000000000001").WaitAsync(Timeout);

        _tokens.ExpireAccessTokens(AgentUuid);

        Assert.Multiple(() =>
        {
            Assert.That(Validate(mine.AccessToken), Is.Null);
            Assert.That(Validate(other.AccessToken), Is.Not.Null);
        });
    }

    [Test]
    public async Task RefreshAsync_Rotation_SpentRefreshTokenRowDeleted()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        await _tokens.RefreshAsync(AgentUuid, pair.RefreshToken).WaitAsync(Timeout);

        // The first access token lives on until it expires; the spent refresh token is gone.
        Assert.That(_store.Agents.CountTokens(), Is.EqualTo(3));
    }

    private string? Validate(string token) =>
        _tokens.ValidateAccessTokenAsync(token).WaitAsync(Timeout).GetAwaiter().GetResult();

    private List<string> ReadTokenHashes()
    {
        var stored = new List<string>();
        if (_engine == StorageEngineKind.Sqlite)
        {
            using var connection = new SqliteConnection($"Data Source={_database.Dsn};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT token_hash FROM tokens";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored.Add(Convert.ToHexString((byte[])reader.GetValue(0)));
            }
        }
        else
        {
            using var connection = new NpgsqlConnection(DatabaseLocation.Parse(_database.Dsn).ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT token_hash FROM tokens", connection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored.Add(Convert.ToHexString((byte[])reader.GetValue(0)));
            }
        }

        return stored;
    }
}
