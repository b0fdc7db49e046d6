namespace RlogAgent.Transport;

/// <summary>How the sender batches and paces what it sends (from agent.yaml).</summary>
/// <param name="BatchSize">Most lines in one LogBatch.</param>
/// <param name="MaxUnconfirmedBatches">Most batches written and not yet confirmed.</param>
/// <param name="CommitInterval">How long a Send call stays open before it is completed for the server's answer.</param>
/// <param name="Gzip">Whether messages are gzip-compressed.</param>
/// <param name="WriteTimeout">How long one write may wait for the server to take data; null: <see cref="LogStreamSender.WriteTimeout"/>.</param>
public sealed record SenderSettings(int BatchSize, int MaxUnconfirmedBatches, TimeSpan CommitInterval, bool Gzip, TimeSpan? WriteTimeout = null);
