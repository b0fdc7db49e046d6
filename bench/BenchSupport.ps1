# Helpers the server and console benchmarks share (dot-sourced; the caller sets $work): a
# throwaway PostgreSQL cluster under $work/pg, CPU seconds from /proc, processes started and
# killed at the end, waiting for a condition with a deadline.

$ticks = [double](& getconf CLK_TCK)
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$pgData = $null
$pgBin = $null
$asPostgres = (& id -u) -eq '0'

function Fail([string] $message) {
    Write-Host "FAILED: $message" -ForegroundColor Red
    throw $message
}

function Invoke-Checked([string] $what, [scriptblock] $command) {
    Write-Host "==> $what" -ForegroundColor Cyan
    & $command
    if ($LASTEXITCODE -ne 0) { Fail "$what (exit code $LASTEXITCODE)" }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# utime + stime of one process, in seconds (0 when it is gone).
function Get-CpuSeconds([int] $processId) {
    $stat = "/proc/$processId/stat"
    if (-not (Test-Path $stat)) { return 0.0 }
    $text = Get-Content -Raw $stat
    $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
    return ([double]$fields[11] + [double]$fields[12]) / $ticks
}

# Every process of the PostgreSQL cluster: the postmaster and its children (backends, WAL writer, ...).
function Get-PostgresCpuSeconds {
    if ($null -eq $pgData -or -not (Test-Path (Join-Path $pgData 'postmaster.pid'))) { return 0.0 }
    $postmaster = [int](Get-Content (Join-Path $pgData 'postmaster.pid') -TotalCount 1)
    $total = Get-CpuSeconds $postmaster
    foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object { $_.Name -match '^\d+$' }) {
        try {
            $text = Get-Content -Raw "/proc/$($dir.Name)/stat" -ErrorAction Stop
            $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
            if ([int]$fields[1] -eq $postmaster) { $total += ([double]$fields[11] + [double]$fields[12]) / $ticks }
        }
        catch { }
    }
    return $total
}

# Busy CPU seconds of the whole machine (all cores), from /proc/stat.
function Get-MachineBusySeconds {
    $cpu = (Get-Content /proc/stat -TotalCount 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)
    $busy = [double]$cpu[1] + [double]$cpu[2] + [double]$cpu[3] + [double]$cpu[6] + [double]$cpu[7] + [double]$cpu[8]
    return $busy / $ticks
}

function Start-Logged([string] $file, [string[]] $arguments, [string] $log) {
    $process = Start-Process $file -ArgumentList $arguments -PassThru -RedirectStandardOutput "$log.out" -RedirectStandardError "$log.err"
    $started.Add($process)
    return $process
}

function Wait-Until([scriptblock] $condition, [string] $what, [int] $seconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    while (-not (& $condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { Fail "timed out waiting for $what" }
        Start-Sleep -Milliseconds 100
    }
}

function Invoke-AsPostgres([string] $tool, [string[]] $arguments) {
    $path = Join-Path $pgBin $tool
    # Out-Host: the tools' chatter must not become the function's output.
    if ($asPostgres) { & runuser -u postgres -- $path @arguments | Out-Host } else { & $path @arguments | Out-Host }
    if ($LASTEXITCODE -ne 0) { Fail "$tool $($arguments -join ' ') (exit code $LASTEXITCODE)" }
}

function Start-Postgres {
    $script:pgBin = Get-ChildItem /usr/lib/postgresql/*/bin/initdb -ErrorAction SilentlyContinue |
        Sort-Object { [int]$_.Directory.Parent.Name } -Descending | Select-Object -First 1 | ForEach-Object { $_.DirectoryName }
    if ($null -eq $script:pgBin) { Fail 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)' }
    $folder = Join-Path $work 'pg'
    if (Test-Path $folder) { Remove-Item -Recurse -Force $folder }
    New-Item -ItemType Directory -Path $folder | Out-Null
    if ($asPostgres) { & chown postgres:postgres $folder }
    $script:pgData = Join-Path $folder 'data'
    $port = Get-FreePort
    Push-Location /
    try {
        Invoke-AsPostgres 'initdb' @('-D', $pgData, '-U', 'rlog', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8')
        # Durable (fsync, synchronous_commit and full_page_writes at their defaults); sized so that
        # no checkpoint falls inside a 60 s run.
        $settings = "-p $port -k $folder -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=16GB -c checkpoint_timeout=30min -c max_connections=200"
        Invoke-AsPostgres 'pg_ctl' @('-D', $pgData, '-l', (Join-Path $folder 'postgres.log'), '-o', $settings, '-w', '-t', '60', 'start')
        Invoke-AsPostgres 'createdb' @('-h', '127.0.0.1', '-p', "$port", '-U', 'rlog', 'bench')
    }
    finally { Pop-Location }
    return "postgresql://rlog@127.0.0.1:$port/bench"
}

function Stop-Postgres {
    if ($null -ne $pgData -and (Test-Path (Join-Path $pgData 'postmaster.pid'))) {
        Push-Location /
        try { Invoke-AsPostgres 'pg_ctl' @('-D', $pgData, '-m', 'fast', '-w', 'stop') } finally { Pop-Location }
    }
}

# One SQL statement through psql (autocommit), its rows unaligned.
function Invoke-Psql([string] $dsn, [string] $sql) {
    $psql = Join-Path $pgBin 'psql'
    $output = & $psql $dsn -At -c $sql
    if ($LASTEXITCODE -ne 0) { Fail "psql: $sql" }
    return $output
}
