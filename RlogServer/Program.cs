using System.CommandLine;
using RlogServer.Cli;

// Signals are left to the host's console lifetime, which stops the server in order.
return await ServerCommandLine.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = null })
    .ConfigureAwait(false);
