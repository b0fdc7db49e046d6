using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using RlogAgent.Tests.Server.Support;
using RlogServer.Auth;
using RlogServer.Configuration;
using RlogServer.Storage;

namespace RlogAgent.Tests.Server.Auth;

[TestFixture]
public sealed class TokenServiceTests
{
    private const string AgentUuid = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
    private static readonly TimeSpan Timeout = ServerClient.Timeout;

    private string _folder = null!;
    private LogStore _store = null!;
    private FakeTimeProvider _clock = null!;
    private TokenService _tokens = null!;

    [SetUp]
    public void CreateService()
    {
        _folder = Directory.CreateTempSubdirectory("rlog-token-test-").FullName;
        _store = new LogStore(Path.Combine(_folder, "rlog.db"));
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _tokens = new TokenService(_store, new ServerOptions { ProjectKeys = ["k"] }, _clock);
    }

    [TearDown]
    public void DeleteFolder()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
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

        using var connection = new SqliteConnection($"Data Source={_store.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT token_hash FROM tokens";
        using var reader = command.ExecuteReader();
        var stored = new List<string>();
        while (reader.Read())
        {
            stored.Add(Convert.ToHexString((byte[])reader.GetValue(0)));
        }

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
            Assert.That(_tokens.ValidateAccessToken(pair.AccessToken), Is.EqualTo(AgentUuid));
            Assert.That(_tokens.ValidateAccessToken(pair.RefreshToken), Is.Null);
        });
    }

    [Test]
    public async Task ValidateAccessToken_PastItsLifetime_Null()
    {
        var pair = await _tokens.IssueAsync(AgentUuid).WaitAsync(Timeout);

        _clock.Advance(ServerOptions.DefaultAccessTokenLifetime);

        Assert.That(_tokens.ValidateAccessToken(pair.AccessToken), Is.Null);
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
            Assert.That(_tokens.ValidateAccessToken(pair.AccessToken), Is.EqualTo(AgentUuid));
            Assert.That(_tokens.ValidateAccessToken(refreshed!.AccessToken), Is.EqualTo(AgentUuid));
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
            Assert.That(_tokens.ValidateAccessToken(mine.AccessToken), Is.Null);
            Assert.That(_tokens.ValidateAccessToken(other.AccessToken), Is.Not.Null);
        });
    }
}
