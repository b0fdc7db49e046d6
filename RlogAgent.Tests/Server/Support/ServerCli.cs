using System.CommandLine;
using RlogServer.Cli;

namespace RlogAgent.Tests.Server.Support;

/// <summary>Runs <c>rlog-server</c>'s command line in the test process, with no environment, capturing its output.</summary>
internal static class ServerCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Parses and runs <paramref name="args"/> as System.CommandLine does.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ServerCommandLine.Create(_ => null)
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error })
            .WaitAsync(Timeout);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <paramref name="args"/> as the program's entry point does: usage errors in one line, exit 2.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> InvokeAsProgramAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ServerCommandLine.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error }, _ => null)
            .WaitAsync(Timeout);
        return (exitCode, output.ToString(), error.ToString());
    }
}
