using RlogAgent.Storage;

namespace RlogAgent.Auth;

/// <summary>
/// The agent's identity on disk: <c>agent_uuid</c>, <c>agent_secret</c> (proves the uuid is this
/// agent's, when the server issued one) and <c>token</c> (the refresh token) in the state folder,
/// each replaced atomically and readable by the owner only.
/// </summary>
public sealed class AgentStateStore
{
    public const string UuidFileName = "agent_uuid";
    public const string TokenFileName = "token";
    public const string SecretFileName = "agent_secret";

    private readonly string _folder;

    public AgentStateStore(string folder)
    {
        _folder = folder;
    }

    public string? LoadUuid() => ReadTrimmed(UuidFileName);

    public string? LoadRefreshToken() => ReadTrimmed(TokenFileName);

    public string? LoadSecret() => ReadTrimmed(SecretFileName);

    public void SaveUuid(string uuid) => Write(UuidFileName, uuid);

    public void SaveRefreshToken(string token) => Write(TokenFileName, token);

    public void SaveSecret(string secret) => Write(SecretFileName, secret);

    /// <summary>Creates the state folder (owner-only on Unix) so the first write cannot fail on it.</summary>
    public void EnsureFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_folder);
        }
        else
        {
            Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private void Write(string name, string value) =>
        AtomicFile.WriteAllText(Path.Combine(_folder, name), value + "\n", isPrivate: true);

    private string? ReadTrimmed(string name)
    {
        var path = Path.Combine(_folder, name);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return text.Length == 0 ? null : text;
    }
}
