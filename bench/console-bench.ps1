#!/usr/bin/env pwsh
<#
.SYNOPSIS
  The console benchmark: a day of the standard benchmark log from 50 hosts (10 million lines by
  default) stored through one rlog-server on PostgreSQL, then the console's API timed on it: a
  label + host page, rare substrings over 24 hours (case-sensitive, case-insensitive, regex), the
  histogram, facets, context, how fast a stored line reaches an open tail, and what the search page
  transfers; then the bytes each stored line costs, on PostgreSQL and on SQLite (1 million lines).
  Ingest is measured in the same run. Linux only.

    dotnet tool restore
    dotnet pwsh ./bench/console-bench.ps1                 # 10 M lines on PostgreSQL, 1 M on SQLite
    dotnet pwsh ./bench/console-bench.ps1 -Quick          # 500 k and 100 k: a smoke run

  Everything goes under artifacts/bench-console/; results.md holds the figures.
#>
param(
    [long] $Lines = 10000000,
    [long] $SqliteLines = 1000000,
    [int] $Hosts = 50,
    [int] $Runs = 7,
    [int] $Concurrency = 4,
    [string[]] $Engines = @('postgres', 'sqlite'),
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
if ($Quick) { $Lines = 500000; $SqliteLines = 100000; $Runs = 3 }
$repo = Split-Path -Parent $PSScriptRoot
$work = Join-Path $repo 'artifacts/bench-console'
$build = Join-Path $work 'build'
$bin = Join-Path $work 'bin'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')

$viewerKey = 'bench-viewer-' + [Guid]::NewGuid().ToString('N')
$report = [System.Collections.Generic.List[string]]::new()

function Invoke-Engine([string] $engine) {
    $runDir = Join-Path $work "run-$engine"
    if (Test-Path $runDir) { Remove-Item -Recurse -Force $runDir }
    New-Item -ItemType Directory -Path $runDir | Out-Null
    $count = if ($engine -eq 'postgres') { $Lines } else { $SqliteLines }
    $db = if ($engine -eq 'postgres') { Start-Postgres } else { Join-Path $runDir 'rlog.db' }
    $port = Get-FreePort
    $consolePort = Get-FreePort
    $url = "http://127.0.0.1:$port"
    $consoleUrl = "http://127.0.0.1:$consolePort"
    Set-Content -Path (Join-Path $runDir 'viewer-keys') -Value $viewerKey
    $serverDll = Join-Path $bin 'server/rlog-server.dll'
    $tool = Join-Path $bin 'tool/rlog-bench-console.dll'
    Write-Host "==> $engine`: server on $url, console on $consoleUrl, $count lines from $Hosts hosts over 24 h" -ForegroundColor Cyan
    $server = Start-Logged 'dotnet' @($serverDll, '--urls', $url, '--db', $db, '--project-key', 'bench',
        '--console-listen', "127.0.0.1:$consolePort", '--viewer-keys-file', (Join-Path $runDir 'viewer-keys')) (Join-Path $runDir 'server')
    try {
        Wait-Until { Select-String -Path (Join-Path $runDir 'server.out') -Pattern 'Console on' -Quiet } 'the server and its console to listen'
        $cpuServer0 = Get-CpuSeconds $server.Id
        $cpuDb0 = Get-PostgresCpuSeconds
        $load = & dotnet $tool load --server $url --hosts $Hosts --lines $count --concurrency $Concurrency 2>&1
        $load | Set-Content (Join-Path $runDir 'load.log')
        if ($LASTEXITCODE -ne 0) { Fail "load: $($load -join "`n")" }
        $summary = ($load | Where-Object { $_ -match '^load ' } | Select-Object -Last 1)
        if ($summary -notmatch 'lines=(\d+) raw_bytes=(\d+) seconds=([\d.]+) lines_per_s=(\d+) cpu_s=([\d.]+)') { Fail "no summary from the load: $($load -join "`n")" }
        $stored = [long]$Matches[1]; $rawBytes = [long]$Matches[2]; $seconds = [double]$Matches[3]; $rate = [long]$Matches[4]; $toolCpu = [double]$Matches[5]
        $cpuServer = (Get-CpuSeconds $server.Id) - $cpuServer0
        $cpuDb = (Get-PostgresCpuSeconds) - $cpuDb0
        $report.Add("### $engine, $($stored.ToString('N0')) lines from $Hosts hosts over 24 hours")
        $report.Add('')
        $report.Add("ingest: $($rate.ToString('N0')) lines/s over $seconds s (server $([Math]::Round($cpuServer * 1e6 / $stored, 1)) µs/line, database $([Math]::Round($cpuDb * 1e6 / $stored, 1)) µs/line, load tool $([Math]::Round($toolCpu / $seconds, 2)) cores)")
        if ($engine -eq 'postgres') {
            # What autovacuum does on its own a while after a load; done here so every query
            # below sees statistics and summarized BRIN ranges, as it would in service.
            $vacuum = [System.Diagnostics.Stopwatch]::StartNew()
            Invoke-Psql $db 'VACUUM (ANALYZE) lines, line_counts' | Out-Null
            $report.Add("VACUUM ANALYZE lines, line_counts after the load: $([Math]::Round($vacuum.Elapsed.TotalSeconds, 1)) s")
        }

        $report.Add('')
        $measure = & dotnet $tool measure --server $url --console $consoleUrl --viewer-key $viewerKey --runs $Runs 2>&1
        $measure | Set-Content (Join-Path $runDir 'measure.log')
        if ($LASTEXITCODE -ne 0) { Fail "measure: $($measure -join "`n")" }
        foreach ($line in $measure) { $report.Add([string]$line) }
    }
    finally {
        if (-not $server.HasExited) { & kill -TERM $server.Id; $server.WaitForExit(15000) | Out-Null }
        if (-not $server.HasExited) { $server.Kill() }
    }

    # Bytes per stored line: the lines table and its indexes (every day partition) and the
    # search segments on PostgreSQL; the whole file on SQLite (checkpointed when the server closed it), next to the
    # raw log's bytes (each line and its newline).
    $report.Add('')
    if ($engine -eq 'postgres') {
        $sizes = Invoke-Psql $db "SELECT sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'lines'::regclass"
        $parts = $sizes.Split('|')
        $table = [long]$parts[0]; $indexes = [long]$parts[1]
        # The search segments (line_grams, with its indexes) are part of what a line costs.
        $grams = [long](Invoke-Psql $db "SELECT pg_total_relation_size('line_grams')")
        $all = $table + $indexes + $grams
        $report.Add("stored: table $([Math]::Round($table / 1MB)) MB + indexes $([Math]::Round($indexes / 1MB)) MB + search segments $([Math]::Round($grams / 1MB)) MB = $([Math]::Round($all / $stored)) B a line ($([Math]::Round($grams / $stored)) B of them segments), $([Math]::Round($all / $rawBytes, 2))x the raw log ($([Math]::Round($rawBytes / $stored)) B a line)")
        Stop-Postgres
    }
    else {
        $file = (Get-Item $db).Length
        $report.Add("stored: the database file $([Math]::Round($file / 1MB)) MB = $([Math]::Round($file / $stored)) B a line, $([Math]::Round($file / $rawBytes, 2))x the raw log ($([Math]::Round($rawBytes / $stored)) B a line)")
    }

    $report.Add('')
}

try {
    if (Test-Path $bin) { Remove-Item -Recurse -Force $bin }
    Invoke-Checked 'build the server (Release)' {
        dotnet publish (Join-Path $repo 'RlogServer/RlogServer.csproj') -c Release -o (Join-Path $bin 'server') --artifacts-path $build -v quiet
    }
    Invoke-Checked 'build the benchmark tool (Release)' {
        dotnet publish (Join-Path $repo 'bench/RlogBench.ConsoleLoad/RlogBench.ConsoleLoad.csproj') -c Release -o (Join-Path $bin 'tool') --artifacts-path $build -v quiet
    }

    $cpuModel = (Get-Content /proc/cpuinfo | Select-String -Pattern '^model name' | Select-Object -First 1).ToString().Split(':')[1].Trim()
    $report.Add("machine: $(& nproc) cores ($cpuModel), $([Math]::Round((Get-Content /proc/meminfo -TotalCount 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)[1] / 1MB, 1)) GB; load average at the start $((Get-Content /proc/loadavg).Split(' ')[0])")
    $report.Add('')
    foreach ($engine in $Engines) { Invoke-Engine $engine }
    $report | Set-Content (Join-Path $work 'results.md')
    Write-Host ''
    $report | ForEach-Object { Write-Host $_ }
}
finally {
    foreach ($process in $started) {
        if (-not $process.HasExited) { $process.Kill($true) }
    }
    Stop-Postgres
}
exit 0
