namespace RlogAgent.Collection;

/// <summary>
/// Which file this is and where to go on in it: the file id (from the fingerprint of its first
/// bytes), the generation, the anchor that tells a rewritten file from a grown one, truncation,
/// and the checkpoint.
/// </summary>
public sealed partial class FileTailer
{
    /// <summary>
    /// Checks, without reading new lines, that the file still holds what was read: a file shorter
    /// than the read position, or with other bytes before it, was truncated and is taken from its
    /// start again under a new file_id. Returns true when it was.
    /// </summary>
    public bool CheckTruncation()
    {
        if (!IsOpen)
        {
            return false;
        }

        var length = RandomAccess.GetLength(_handle);
        if (length < _scanned)
        {
            OnTruncated(length);
            return true;
        }

        if (_anchor is null || !AnchorDiffers())
        {
            return false;
        }

        OnTruncated(length);
        return true;
    }

    private void Start(bool startAtEnd)
    {
        var length = RandomAccess.GetLength(_handle);
        var saved = _checkpoints.Find(Identity);
        if (saved is not null && saved.Fingerprint is not null && FingerprintMatches(saved))
        {
            _fileId = saved.FileId;
            _fingerprint = saved.Fingerprint;
            _fingerprintLength = saved.FingerprintLength;
            _generation = saved.Generation;
            _lineStart = _scanned = saved.Offset;
            if (saved.Path != Path)
            {
                _checkpoints.UpdatePath(Identity, Path);
            }

            if (saved.Anchor is not null && saved.AnchorOffset >= saved.Offset)
            {
                _anchorOffset = saved.AnchorOffset;
                _anchor = saved.Anchor;
            }

            if (length < saved.Offset || length < _anchorOffset || (_anchor is not null && AnchorDiffers()))
            {
                // Truncated, or a reused inode, while the agent was down, even with the same first line.
                OnTruncated(length);
                return;
            }

            // Reading goes on from the confirmed offset: anchor there, so the next read covers it.
            _linesEnd = _lineStart;
            AnchorAtReadPosition();
            CollectionLog.Resumed(_logger, Path, _fileId ?? "", _lineStart);
            return;
        }

        if (saved is not null && saved.Fingerprint is null && saved.Offset <= length)
        {
            // Seen before its first line existed: its start offset stands, its id comes with that line.
            _lineStart = _scanned = saved.Offset;
            _generation = saved.Generation;
        }
        else
        {
            _lineStart = _scanned = startAtEnd ? length : 0;
            _generation = GenerationAtStart(saved, length);
        }

        _linesEnd = _lineStart;

        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }

        AnchorAtReadPosition();
        CollectionLog.Opened(_logger, Path, Identity.ToString(), _lineStart);
    }

    /// <summary>
    /// The generation of a content met at start that its checkpoint does not describe. A checkpoint
    /// that names other bytes means the file was truncated (or its inode reused) while the agent was
    /// stopped: a new generation, above every one the file had. Without a checkpoint (lost, or never
    /// written) the ledger tells a content seen before by its first bytes; a file never truncated is 0.
    /// </summary>
    private int GenerationAtStart(FileCheckpoint? saved, long length)
    {
        var identity = Identity.ToString();
        var highest = Math.Max(_checkpoints.Generations.MaxGeneration(identity), saved?.Generation ?? 0);
        if (saved is not null)
        {
            return highest + 1;
        }

        foreach (var content in _checkpoints.Generations.Of(identity))
        {
            if (content.HeadLength <= length && HeadHash(content.HeadLength) == content.HeadHash)
            {
                return content.Generation;
            }
        }

        return highest == 0 ? 0 : highest + 1;
    }

    /// <summary>Records the first bytes of a truncated file's content, so it is known again without its checkpoint.</summary>
    private void RecordHead()
    {
        var length = (int)Math.Min(Math.Max(_scanned, _fingerprintLength), GenerationLedger.HeadBytes);
        if (HeadHash(length) is { } hash)
        {
            _headLength = length;
            _checkpoints.RecordGeneration(Identity, _generation, length, hash);
        }
    }

    /// <summary>
    /// Hash of the file's first <paramref name="length"/> bytes (at most <see cref="GenerationLedger.HeadBytes"/>),
    /// or null when it is shorter: what a fingerprint and a generation's head are checked by.
    /// </summary>
    private string? HeadHash(int length)
    {
        Span<byte> head = stackalloc byte[GenerationLedger.HeadBytes];
        return length <= head.Length && RandomAccess.Read(_handle, head[..length], 0) == length ? Hash(head[..length]) : null;
    }

    private void OnTruncated(long length)
    {
        CollectionLog.Truncated(_logger, Path, _fileId ?? "", _scanned, length);
        _generation = Math.Max(_generation, _checkpoints.Generations.MaxGeneration(Identity.ToString())) + 1;
        _headLength = 0;
        _fileId = null;
        _fingerprint = null;
        _fingerprintLength = 0;
        _anchor = null;
        _anchorOffset = 0;
        _lineStart = _scanned = _linesEnd = 0;
        _assembler?.Reset();
        if (!TryEstablishFileId(force: false))
        {
            SaveCheckpoint();
        }
    }

    private bool FingerprintMatches(FileCheckpoint saved) =>
        saved.FingerprintLength <= FingerprintMaxBytes && HeadHash(saved.FingerprintLength) == saved.Fingerprint;

    /// <summary>True when the bytes before the anchor offset are not the ones read there (or are gone).</summary>
    private bool AnchorDiffers()
    {
        var size = AnchorLength(_anchorOffset);
        Span<byte> bytes = stackalloc byte[AnchorBytes];
        var read = RandomAccess.Read(_handle, bytes[..size], _anchorOffset - size);
        return read != size || AnchorOf(bytes[..size]) != _anchor;
    }

    /// <summary>Anchors at the read position when reading starts past the file's beginning.</summary>
    private void AnchorAtReadPosition()
    {
        _anchor = null;
        _anchorOffset = 0;
        if (_scanned > 0)
        {
            SetAnchor([], _scanned);
        }
    }

    /// <summary>Remembers the hash of the last bytes read; <paramref name="data"/> starts at file offset <paramref name="dataStart"/>.</summary>
    private void SetAnchor(ReadOnlySpan<byte> data, long dataStart)
    {
        var size = AnchorLength(_scanned);
        var from = _scanned - size - dataStart;
        if (from < 0)
        {
            // Fewer bytes in this read than the anchor covers: read them (a small file, or a slow writer).
            Span<byte> bytes = stackalloc byte[AnchorBytes];
            if (RandomAccess.Read(_handle, bytes[..size], _scanned - size) != size)
            {
                return;
            }

            _anchor = AnchorOf(bytes[..size]);
        }
        else
        {
            _anchor = AnchorOf(data.Slice((int)from, size));
        }

        _anchorOffset = _scanned;
        _checkpoints.SetAnchor(Identity, _anchorOffset, _anchor);
    }

    private static int AnchorLength(long offset) => (int)Math.Min(AnchorBytes, offset);

    /// <summary>
    /// The file's id comes from its identity and its first line (or first 256 bytes): the same for the
    /// same content after a restart or a rename, different for a reused inode or rewritten content.
    /// </summary>
    private bool TryEstablishFileId(bool force)
    {
        Span<byte> head = stackalloc byte[FingerprintMaxBytes];
        var read = RandomAccess.Read(_handle, head, 0);
        var newline = head[..read].IndexOf((byte)'\n');
        int length;
        if (newline >= 0)
        {
            length = newline + 1;
        }
        else if (read == FingerprintMaxBytes || (force && read > 0))
        {
            length = read;
        }
        else
        {
            return false;
        }

        _fingerprintLength = length;
        _fingerprint = Hash(head[..length]);
        var identity = Identity.Birth == 0
            ? $"{Identity.Device:x}-{Identity.Inode:x}"
            : $"{Identity.Device:x}-{Identity.Inode:x}-{Identity.Birth:x}";
        _fileId = _generation == 0
            ? $"{identity}-{_fingerprint}"
            : $"{identity}-{_fingerprint}-{_generation}";
        SaveCheckpoint();
        if (_generation > 0)
        {
            RecordHead();
        }

        return true;
    }

    private void SaveCheckpoint()
    {
        _checkpoints.Set(new FileCheckpoint
        {
            Identity = Identity.ToString(),
            Label = _label,
            Source = _source,
            Path = Path,
            FileId = _fileId,
            Fingerprint = _fingerprint,
            FingerprintLength = _fingerprintLength,
            Generation = _generation,
            Offset = _lineStart,
            AnchorOffset = _anchorOffset,
            Anchor = _anchor,
        });
    }

    private long SafeLength()
    {
        if (!IsOpen)
        {
            return _scanned;
        }

        try
        {
            return RandomAccess.GetLength(_handle);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return _scanned;
        }
    }

    private static string AnchorOf(ReadOnlySpan<byte> bytes) => Hash(bytes);

    private static string Hash(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[32];
        ContentHash.Sha256(bytes, digest);
        return Convert.ToHexStringLower(digest[..8]);
    }
}
