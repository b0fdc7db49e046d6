namespace RlogAgent.Storage;

/// <summary>Another agent holds the state folder's lock: this one must not start.</summary>
public sealed class StateDirectoryInUseException(string lockPath, Exception inner)
    : Exception($"the state folder is in use by another rlog-agent ({lockPath} is locked); give each agent a state_dir of its own", inner);
