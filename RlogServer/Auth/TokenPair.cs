namespace RlogServer.Auth;

/// <summary>An access token and a refresh token issued together to one agent.</summary>
/// <param name="AgentUuid">The agent the tokens belong to.</param>
/// <param name="AccessToken">Goes in <c>authorization: Bearer</c> on Log and Health calls.</param>
/// <param name="AccessExpiresAt">When the access token stops being accepted.</param>
/// <param name="RefreshToken">Exchanged once, through <c>Refresh</c>, for a new pair.</param>
/// <param name="RefreshExpiresAt">When the refresh token stops being accepted.</param>
public sealed record TokenPair(
    string AgentUuid,
    string AccessToken,
    DateTimeOffset AccessExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshExpiresAt);
