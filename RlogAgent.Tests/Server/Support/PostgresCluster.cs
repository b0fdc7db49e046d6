using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace RlogAgent.Tests.Server.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run: initdb into a temp folder, started on a free
/// loopback port (as the <c>postgres</c> user when the tests run as root, since PostgreSQL
/// refuses root), stopped and deleted by <see cref="PostgresTestRun"/>. Started once, on first
/// use; each test gets a database of its own (<see cref="CreateDatabaseAsync"/>). If it cannot
/// start, every test that needs it fails with the reason: never skipped.
/// </summary>
internal sealed class PostgresCluster
{
    /// <summary>How often a starting cluster is asked for a connection, until StartTimeout.</summary>
    private static readonly TimeSpan ConnectRetryEvery = TimeSpan.FromMilliseconds(100);

    private const string SuperUser = "rlog";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartAsync);
    private static int _databases;

    private readonly string _folder;
    private readonly string _binaries;
    private readonly bool _asPostgresUser;

    private PostgresCluster(string folder, string binaries, bool asPostgresUser, int port)
    {
        _folder = folder;
        _binaries = binaries;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to the maintenance database, as the cluster's superuser.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username={SuperUser};Database=postgres;Pooling=false";

    /// <summary>The cluster, started on first call.</summary>
    public static Task<PostgresCluster> GetAsync() => Shared.Value;

    /// <summary>Stops the cluster if it was started, and deletes its folder.</summary>
    public static void StopIfStarted()
    {
        if (!Shared.IsValueCreated || !Shared.Value.IsCompletedSuccessfully)
        {
            return;
        }

        var cluster = Shared.Value.Result;
        cluster.Run("pg_ctl", "-D", cluster.DataFolder, "-m", "immediate", "-w", "stop");
        try
        {
            Directory.Delete(cluster._folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it later.
        }
    }

    /// <summary>Creates an empty database and returns its DSN, <c>postgresql://rlog@127.0.0.1:PORT/NAME</c>.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"rlog_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgresql://{SuperUser}@127.0.0.1:{Port}/{name}";
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string dsn)
    {
        var name = new Uri(dsn).AbsolutePath.TrimStart('/');
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private string DataFolder => Path.Combine(_folder, "data");

    private static async Task<PostgresCluster> StartAsync()
    {
        var binaries = FindBinaries()
            ?? throw new InvalidOperationException(
                "PostgreSQL tests: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH. "
                + "Install them (Debian: apt-get install -y postgresql); .ci/run does so when they are missing.");
        var asPostgresUser = Environment.UserName == "root";
        var folder = Directory.CreateTempSubdirectory("rlog-pg-").FullName;
        var port = FreePort();
        var cluster = new PostgresCluster(folder, binaries, asPostgresUser, port);
        try
        {
            if (asPostgresUser)
            {
                RunProgramChecked("chown", "postgres:postgres", folder);
            }

            cluster.RunChecked(
                "initdb", "-D", cluster.DataFolder, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
            // fsync off: a test cluster is thrown away, durability only costs time here.
            var settings = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            cluster.RunChecked(
                "pg_ctl", "-D", cluster.DataFolder, "-l", Path.Combine(folder, "postgres.log"), "-o", settings, "-w", "-t", "60", "start");
        }
        catch (Exception ex)
        {
            var log = Path.Combine(folder, "postgres.log");
            var tail = File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
            throw new InvalidOperationException($"PostgreSQL tests: the throwaway cluster in {folder} did not start: {ex.Message}\n{tail}", ex);
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(cluster.AdminConnectionString);
                await connection.OpenAsync();
                return cluster;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // Polling for a condition (the server accepts connections) within a deadline.
                await Task.Delay(ConnectRetryEvery);
            }
        }
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var newest = Directory.GetDirectories(root)
                .Select(dir => Path.Combine(dir, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private void RunChecked(string tool, params string[] arguments)
    {
        var (exitCode, output) = Run(tool, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited {exitCode}: {output}");
        }
    }

    private static void RunProgramChecked(string program, string argument1, string argument2)
    {
        var (exitCode, output) = RunProcess(program, [argument1, argument2]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {exitCode}: {output}");
        }
    }

    private (int ExitCode, string Output) Run(string tool, params string[] arguments)
    {
        var path = Path.Combine(_binaries, tool);
        return _asPostgresUser
            ? RunProcess("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunProcess(path, arguments);
    }

    private static (int ExitCode, string Output) RunProcess(string program, string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // initdb and pg_ctl are run from a folder the postgres user may enter.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 120 s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
