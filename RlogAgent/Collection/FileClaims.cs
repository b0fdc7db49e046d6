using System.Collections.Concurrent;

namespace RlogAgent.Collection;

/// <summary>
/// Which source reads which file, agent-wide: a file reached through two paths (a link and its
/// target, or two overlapping sources) is read once, by the source that found it first, so it
/// has one checkpoint and one <c>source</c>, not two readers taking turns.
/// </summary>
public sealed class FileClaims
{
    private readonly ConcurrentDictionary<FileIdentity, string> _owners = new();

    /// <summary>Claims the file for <paramref name="owner"/>; false, with the owner, when another source has it.</summary>
    public bool TryClaim(FileIdentity identity, string owner, out string current)
    {
        current = _owners.GetOrAdd(identity, owner);
        return current == owner;
    }

    public void Release(FileIdentity identity, string owner) =>
        _owners.TryRemove(new KeyValuePair<FileIdentity, string>(identity, owner));
}
