using System.Text.RegularExpressions;

namespace RlogAgent.Configuration;

/// <summary>
/// One entry of <c>redact</c> in a source: every match of <see cref="Pattern"/> in an event's text is
/// replaced by <see cref="Replace"/> (with <c>$1</c>, <c>${name}</c> substitutions) before the event
/// leaves the host, and before it is parsed, so no field carries what was redacted.
/// </summary>
public sealed record RedactRule(Regex Pattern, string Replace);
