using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace RlogBench.Sink;

/// <summary>
/// Cuts a request body into gRPC length-prefixed messages (1 byte compressed flag, 4 bytes big-endian
/// length, the message) as bytes arrive. Everything is copied out of the transport at once, so HTTP/2
/// flow control never waits on a message larger than the stream window.
/// </summary>
public sealed class GrpcFrameAssembler : IDisposable
{
    /// <summary>Largest message accepted; the contract asks servers for at least 4 MiB.</summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    private readonly Action<ReadOnlySpan<byte>> _onMessage;
    private readonly bool _gzip;
    private readonly byte[] _header = new byte[5];
    private int _headerFilled;
    private byte[] _message = [];
    private int _messageLength = -1;
    private int _messageFilled;

    public GrpcFrameAssembler(Action<ReadOnlySpan<byte>> onMessage, bool gzip)
    {
        _onMessage = onMessage;
        _gzip = gzip;
    }

    /// <summary>True between messages: a body that ends elsewhere was cut short.</summary>
    public bool AtBoundary => _headerFilled == 0 && _messageLength < 0;

    public void Append(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Append(segment.Span);
        }
    }

    public void Dispose()
    {
        if (_message.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_message);
            _message = [];
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_messageLength < 0)
            {
                var take = Math.Min(5 - _headerFilled, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                data = data[take..];
                if (_headerFilled < 5)
                {
                    return;
                }

                var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
                if (length > MaxMessageBytes)
                {
                    throw new InvalidDataException($"message of {length} bytes is over the sink's limit");
                }

                _messageLength = (int)length;
                _messageFilled = 0;
                if (_message.Length < _messageLength)
                {
                    Dispose();
                    _message = ArrayPool<byte>.Shared.Rent(_messageLength);
                }
            }

            var copy = Math.Min(_messageLength - _messageFilled, data.Length);
            data[..copy].CopyTo(_message.AsSpan(_messageFilled));
            _messageFilled += copy;
            data = data[copy..];
            if (_messageFilled == _messageLength)
            {
                Deliver();
            }
        }
    }

    private void Deliver()
    {
        var compressed = _header[0] != 0;
        var message = _message.AsSpan(0, _messageLength);
        _headerFilled = 0;
        _messageLength = -1;
        if (!compressed)
        {
            _onMessage(message);
            return;
        }

        if (!_gzip)
        {
            throw new InvalidDataException("compressed message without grpc-encoding: gzip");
        }

        using var input = new MemoryStream(message.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        _onMessage(output.GetBuffer().AsSpan(0, (int)output.Length));
    }
}
