using System.Buffers.Binary;

namespace RlogBench.Sink;

/// <summary>Answers a gRPC call by hand: one length-prefixed message, then the status in trailers.</summary>
public static class GrpcResponse
{
    public const int Ok = 0;
    public const int Internal = 13;
    public const int Unimplemented = 12;

    public static async Task WriteAsync(HttpContext context, byte[] message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame, context.RequestAborted);
        context.Response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>A failure answer: headers, no message, the status and its text in trailers.</summary>
    public static Task FailAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(detail));
        return Task.CompletedTask;
    }
}
