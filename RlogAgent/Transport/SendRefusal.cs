using System.Text;
using Grpc.Core;

namespace RlogAgent.Transport;

/// <summary>
/// Which answers to <c>Send</c> mean "the server refuses something in a batch" (the contract's
/// INVALID_ARGUMENT, and RESOURCE_EXHAUSTED for a message too big), as opposed to a failure a retry
/// of the same bytes can fix. A refusal is answered by splitting the batch, never by re-sending it.
/// </summary>
public static class SendRefusal
{
    // gRPC implementations word a size refusal differently; each says "message" and one of these:
    // grpc-go "received message larger than max", grpc-dotnet "message exceeds the maximum
    // configured message size", grpc-java "message exceeds maximum size".
    private static readonly string[] TooBigWords = ["larger than", "exceeds", "too large", "too big"];

    /// <summary>True when <paramref name="status"/> refuses content: split the batch down to what is refused.</summary>
    public static bool IsRefusal(Status status) =>
        status.StatusCode == StatusCode.InvalidArgument || IsTooBig(status);

    /// <summary>RESOURCE_EXHAUSTED about a message's size; any other RESOURCE_EXHAUSTED is overload (back off).</summary>
    public static bool IsTooBig(Status status) =>
        status.StatusCode == StatusCode.ResourceExhausted
        && status.Detail.Contains("message", StringComparison.OrdinalIgnoreCase)
        && Array.Exists(TooBigWords, w => status.Detail.Contains(w, StringComparison.OrdinalIgnoreCase));

    /// <summary>The status as the gRPC specification spells it: <c>INVALID_ARGUMENT</c>, <c>RESOURCE_EXHAUSTED</c>.</summary>
    public static string Name(StatusCode code)
    {
        var name = code.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }
}
