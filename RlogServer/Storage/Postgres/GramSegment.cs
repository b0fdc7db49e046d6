namespace RlogServer.Storage.Postgres;

/// <summary>
/// One row of <c>line_grams</c>: up to <see cref="PostgresLineGrams.SegmentLines"/> lines of one
/// file from one batch, found again by the unique index on (file_no, file_offset, day), their
/// event times' span, and the <see cref="GramBloom"/> of their text.
/// </summary>
internal sealed record GramSegment(
    long FileNo,
    long OffsetLow,
    long OffsetHigh,
    DateTimeOffset TimeLow,
    DateTimeOffset TimeHigh,
    int Lines,
    byte[] Bits);
