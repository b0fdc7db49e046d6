#!/usr/bin/env pwsh
<#
.SYNOPSIS
  The server benchmark: lines per second stored exactly once by one rlog-server on SQLite and on
  PostgreSQL, fed by N agents at once (bench/RlogBench.ServerLoad), with the server's and the
  database's CPU. Linux only (figures come from /proc).

    dotnet tool restore
    dotnet pwsh ./bench/server-bench.ps1                 # 60 s per engine, 4 agents
    dotnet pwsh ./bench/server-bench.ps1 -Quick          # 10 s per engine, smoke run
    dotnet pwsh ./bench/server-bench.ps1 -Engines postgres -Seconds 120

  PostgreSQL runs as a throwaway cluster under artifacts/bench-server/pg (initdb as the postgres
  user when run as root; durable settings: fsync and synchronous_commit on). Everything goes under
  artifacts/bench-server/; results.md holds the table. Stops at the first failure and kills what
  it started.
#>
param(
    [int] $Seconds = 60,
    [int] $WarmupSeconds = 10,
    [int] $Agents = 4,
    [int] $BatchLines = 1000,
    [string[]] $Engines = @('sqlite', 'postgres'),
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ($Quick) { $Seconds = 10; $WarmupSeconds = 3 }
$repo = Split-Path -Parent $PSScriptRoot
$work = Join-Path $repo 'artifacts/bench-server'
$build = Join-Path $work 'build'
$bin = Join-Path $work 'bin'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
# Shared with the console benchmark: a throwaway PostgreSQL cluster, CPU from /proc, helpers.
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')

function Invoke-Load([string] $url, [int] $seconds, [string] $log) {
    $output = & dotnet (Join-Path $bin 'load/rlog-bench-load.dll') --server $url --agents $Agents --seconds $seconds --batch $BatchLines 2>&1
    $output | Set-Content $log
    if ($LASTEXITCODE -ne 0) { Fail "load tool (exit code $LASTEXITCODE): $($output -join "`n")" }
    $summary = $output | Where-Object { $_ -match '^load ' } | Select-Object -Last 1
    if ($summary -notmatch 'confirmed=(\d+) lines_per_s=(\d+) .*cpu_s=([\d.]+)') { Fail "no summary from the load tool: $($output -join "`n")" }
    return @{ Confirmed = [long]$Matches[1]; Rate = [double]$Matches[2]; CpuSeconds = [double]$Matches[3] }
}

function Invoke-Engine([string] $engine) {
    $runDir = Join-Path $work "run-$engine"
    if (Test-Path $runDir) { Remove-Item -Recurse -Force $runDir }
    New-Item -ItemType Directory -Path $runDir | Out-Null
    $db = if ($engine -eq 'postgres') { Start-Postgres } else { Join-Path $runDir 'rlog.db' }
    $port = Get-FreePort
    $url = "http://127.0.0.1:$port"
    $serverDll = Join-Path $bin 'server/rlog-server.dll'
    Write-Host "==> $engine`: server on $url, database $db, $Agents agents" -ForegroundColor Cyan
    $server = Start-Logged 'dotnet' @($serverDll, '--urls', $url, '--db', $db, '--project-key', 'bench') (Join-Path $runDir 'server')
    try {
        Wait-Until { Select-String -Path (Join-Path $runDir 'server.out') -Pattern 'listening' -Quiet } 'the server to listen'
        # Warm-up (JIT, first partition, connection pool): stored, counted in the exactly-once check, not timed.
        $warm = Invoke-Load $url $WarmupSeconds (Join-Path $runDir 'warmup.log')
        $cpuServer0 = Get-CpuSeconds $server.Id
        $cpuDb0 = Get-PostgresCpuSeconds
        $busy0 = Get-MachineBusySeconds
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $runStart = [DateTime]::UtcNow
        $run = Invoke-Load $url $Seconds (Join-Path $runDir 'load.log')
        $elapsed = $clock.Elapsed.TotalSeconds
        $cpuServer = (Get-CpuSeconds $server.Id) - $cpuServer0
        $cpuDb = (Get-PostgresCpuSeconds) - $cpuDb0
        $busy = (Get-MachineBusySeconds) - $busy0
        $load = (Get-Content /proc/loadavg).Split(' ')[0]
    }
    finally {
        if (-not $server.HasExited) { & kill -TERM $server.Id; $server.WaitForExit(15000) | Out-Null }
        if (-not $server.HasExited) { $server.Kill() }
    }

    # Exactly once: the rows stored equal the lines confirmed (each confirmed line is a distinct
    # (agent, file_id, offset)); the load tool re-sent each agent's last call, which must add nothing.
    $stats = & dotnet $serverDll stats --db $db
    if ($LASTEXITCODE -ne 0) { Fail "stats --db $db" }
    $stored = [long](($stats | Select-String -Pattern '^lines\s+(\d+)').Matches[0].Groups[1].Value)
    $expected = $warm.Confirmed + $run.Confirmed

    # Reading back: a label and a one-second range in the middle of the run, and tail (no label),
    # each as a whole CLI process; the same query with -n 0 gives the process's own start and
    # connect time, to subtract.
    $middle = $runStart.AddSeconds($Seconds / 2)
    $baseClock = [System.Diagnostics.Stopwatch]::StartNew()
    & dotnet $serverDll query --db $db --label bench --since $middle.ToString('o') --until $middle.AddSeconds(1).ToString('o') -n 0 | Out-Null
    $baseMs = $baseClock.ElapsedMilliseconds
    $queryClock = [System.Diagnostics.Stopwatch]::StartNew()
    $found = & dotnet $serverDll query --db $db --label bench --since $middle.ToString('o') --until $middle.AddSeconds(1).ToString('o') -n 100
    if ($LASTEXITCODE -ne 0) { Fail "query --db $db" }
    $queryMs = $queryClock.ElapsedMilliseconds
    # tail twice: the first right after the burst (on PostgreSQL it summarizes the BRIN ranges
    # autovacuum has not reached yet), the second as any later one.
    $tailMs = foreach ($attempt in 1..2) {
        $tailClock = [System.Diagnostics.Stopwatch]::StartNew()
        & dotnet $serverDll tail --db $db -n 20 | Out-Null
        if ($LASTEXITCODE -ne 0) { Fail "tail --db $db" }
        $tailClock.ElapsedMilliseconds
    }
    if (@($found).Count -ne 100) { Fail "query found $(@($found).Count) lines, not 100" }
    if ($engine -eq 'postgres') { Stop-Postgres }
    $lines = $run.Confirmed
    return [pscustomobject]@{
        Engine = $engine
        Seconds = [Math]::Round($elapsed, 1)
        Lines = $lines
        LinesPerSecond = [Math]::Round($run.Rate)
        ServerCores = [Math]::Round($cpuServer / $elapsed, 2)
        DatabaseCores = [Math]::Round($cpuDb / $elapsed, 2)
        ServerUsPerLine = [Math]::Round($cpuServer * 1e6 / $lines, 1)
        DatabaseUsPerLine = [Math]::Round($cpuDb * 1e6 / $lines, 1)
        LoadToolCores = [Math]::Round($run.CpuSeconds / $elapsed, 2)
        OtherCores = [Math]::Round(($busy - $cpuServer - $cpuDb - $run.CpuSeconds) / $elapsed, 2)
        LoadAverage = $load
        Stored = $stored
        Expected = $expected
        ExactlyOnce = ($stored -eq $expected)
        QueryMs = $queryMs
        StartMs = $baseMs
        TailMs = $tailMs
    }
}

try {
    if (Test-Path $bin) { Remove-Item -Recurse -Force $bin }
    Invoke-Checked 'build the server (Release)' {
        dotnet publish (Join-Path $repo 'RlogServer/RlogServer.csproj') -c Release -o (Join-Path $bin 'server') --artifacts-path $build -v quiet
    }
    Invoke-Checked 'build the load tool (Release)' {
        dotnet publish (Join-Path $repo 'bench/RlogBench.ServerLoad/RlogBench.ServerLoad.csproj') -c Release -o (Join-Path $bin 'load') --artifacts-path $build -v quiet
    }

    $results = foreach ($engine in $Engines) { Invoke-Engine $engine }

    $cpuModel = (Get-Content /proc/cpuinfo | Select-String -Pattern '^model name' | Select-Object -First 1).ToString().Split(':')[1].Trim()
    $table = @(
        "machine: $(& nproc) cores ($cpuModel), $([Math]::Round((Get-Content /proc/meminfo -TotalCount 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)[1] / 1MB, 1)) GB; $Agents agents, batches of $BatchLines lines of 120 bytes, $Seconds s per engine after $WarmupSeconds s of warm-up",
        '',
        '| engine | lines/s | server cores | database cores | server µs/line | database µs/line | load tool cores | other processes (cores) | load avg | stored = confirmed | query --label --since --until -n 100 (-n 0) | tail -n 20: first (again) |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |'
    )
    foreach ($r in $results) {
        $table += "| $($r.Engine) | $($r.LinesPerSecond.ToString('N0')) | $($r.ServerCores) | $($r.DatabaseCores) | $($r.ServerUsPerLine) | $($r.DatabaseUsPerLine) | $($r.LoadToolCores) | $($r.OtherCores) | $($r.LoadAverage) | $(if ($r.ExactlyOnce) { "yes ($($r.Stored.ToString('N0')))" } else { "NO: $($r.Stored) stored, $($r.Expected) confirmed" }) | $($r.QueryMs) ms ($($r.StartMs) ms) | $($r.TailMs[0]) ms ($($r.TailMs[1]) ms) |"
    }
    $table | Set-Content (Join-Path $work 'results.md')
    $results | ConvertTo-Json | Set-Content (Join-Path $work 'results.json')
    Write-Host ''
    $table | ForEach-Object { Write-Host $_ }
    if ($results | Where-Object { -not $_.ExactlyOnce }) { Fail 'rows stored differ from lines confirmed' }
}
finally {
    foreach ($process in $started) {
        if (-not $process.HasExited) { $process.Kill($true) }
    }
    Stop-Postgres
}
exit 0
