using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace RlogAgent.Tests.Support;

/// <summary>The agent as a real child process (<c>dotnet rlog-agent.dll</c>), for signals and exit codes.</summary>
public sealed partial class AgentProcess : IDisposable
{
    public const int Sigterm = 15;
    public const int Sigint = 2;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the agent printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public static AgentProcess Start(string workingDirectory, IDictionary<string, string>? environment = null, params string[] arguments) =>
        StartWrapped(workingDirectory, [], environment, arguments);

    /// <summary>
    /// Starts the agent under <paramref name="wrapper"/> (a command and its arguments that then run
    /// <c>dotnet rlog-agent.dll ...</c>, such as setpriv to drop capabilities).
    /// </summary>
    public static AgentProcess StartWrapped(string workingDirectory, IReadOnlyList<string> wrapper, IDictionary<string, string>? environment = null, params string[] arguments)
    {
        var agentDll = BuildOutput.Find("RlogAgent", "rlog-agent.dll");
        var info = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (wrapper.Count > 0)
        {
            foreach (var part in wrapper.Skip(1))
            {
                info.ArgumentList.Add(part);
            }

            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(agentDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("SERVER_ADDR");
        info.Environment.Remove("PROJECT_KEY");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new AgentProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>
    /// Starts any command as the process watched (a shell script that runs the agent, the agent
    /// under unshare), with the same output capture, environment clean-up and signals.
    /// </summary>
    public static AgentProcess StartCommand(string workingDirectory, string fileName, IReadOnlyList<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("SERVER_ADDR");
        info.Environment.Remove("PROJECT_KEY");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new AgentProcess(Process.Start(info) ?? throw new InvalidOperationException(fileName + " did not start"));
    }

    /// <summary>Sends <paramref name="signal"/> to any process, such as a child of the one watched.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        TestContext.Progress.WriteLine("[agent] " + line);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
