using System.Text;

namespace RlogBench.Sink;

/// <summary>
/// The rlog.v1 services as the sink answers them. Send counts as it reads and answers OK only once
/// the body is complete and every batch is counted: that answer is the confirmation. Auth accepts
/// any key with fixed tokens that expire in ten years; Heartbeat answers Empty.
/// </summary>
public sealed class GrpcEndpoints
{
    public const string AccessToken = "bench-access";
    public const string RefreshToken = "bench-refresh";

    private static readonly DateTimeOffset FarExpiry = DateTimeOffset.UtcNow.AddYears(10);

    private readonly LineCounter _counter;

    public GrpcEndpoints(LineCounter counter) => _counter = counter;

    public Task HandleAsync(HttpContext context) => context.Request.Path.Value switch
    {
        "/rlog.v1.LogService/Send" => SendAsync(context),
        "/rlog.v1.AuthService/Register" => RegisterAsync(context),
        "/rlog.v1.AuthService/Refresh" => RefreshAsync(context),
        "/rlog.v1.HealthService/Heartbeat" => HeartbeatAsync(context),
        _ => GrpcResponse.FailAsync(context, GrpcResponse.Unimplemented, $"no method {context.Request.Path.Value}"),
    };

    private async Task SendAsync(HttpContext context)
    {
        _counter.CountCall();
        var reader = context.Request.BodyReader;
        var newOffsets = _counter.Tracing ? new List<ulong>() : null;
        using var frames = new GrpcFrameAssembler(batch => _counter.CountBatch(batch, newOffsets), IsGzip(context));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                frames.Append(result.Buffer);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (InvalidDataException e)
        {
            await GrpcResponse.FailAsync(context, GrpcResponse.Internal, e.Message);
            return;
        }

        if (!frames.AtBoundary)
        {
            await GrpcResponse.FailAsync(context, GrpcResponse.Internal, "the request ended inside a message");
            return;
        }

        if (newOffsets is not null)
        {
            _counter.Confirmed(newOffsets);
        }

        await GrpcResponse.WriteAsync(context, []);
    }

    private static async Task RegisterAsync(HttpContext context)
    {
        var request = await ReadUnaryAsync(context);
        var uuid = StringField(request, 2);
        var answer = new WireWriter()
            .String(1, uuid.Length > 0 ? uuid : Guid.CreateVersion7().ToString())
            .String(2, AccessToken)
            .String(3, RefreshToken)
            .Timestamp(4, FarExpiry)
            .ToArray();
        await GrpcResponse.WriteAsync(context, answer);
    }

    private static async Task RefreshAsync(HttpContext context)
    {
        await ReadUnaryAsync(context);
        var answer = new WireWriter().String(1, AccessToken).Timestamp(3, FarExpiry).ToArray();
        await GrpcResponse.WriteAsync(context, answer);
    }

    private static async Task HeartbeatAsync(HttpContext context)
    {
        await ReadUnaryAsync(context);
        await GrpcResponse.WriteAsync(context, []);
    }

    private static async Task<byte[]> ReadUnaryAsync(HttpContext context)
    {
        byte[] message = [];
        using var frames = new GrpcFrameAssembler(m => message = m.ToArray(), IsGzip(context));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        frames.Append(new System.Buffers.ReadOnlySequence<byte>(body.GetBuffer(), 0, (int)body.Length));
        return message;
    }

    private static string StringField(byte[] message, int wanted)
    {
        var reader = new WireReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == wanted && wireType == 2)
            {
                return Encoding.UTF8.GetString(reader.ReadLengthDelimited());
            }

            reader.Skip(wireType);
        }

        return "";
    }

    private static bool IsGzip(HttpContext context) =>
        string.Equals(context.Request.Headers["grpc-encoding"], "gzip", StringComparison.OrdinalIgnoreCase);
}
