#!/usr/bin/env pwsh
<#
.SYNOPSIS
  Ingest on PostgreSQL, this tree against another commit, alternating in one run: what a change
  to the server's storage costs the ingest. Each round loads the same lines (the console
  benchmark's load tool: 50 hosts, two sources each) into a fresh database through one server,
  the baseline's and this tree's in turns (their order swapped every round), and records lines/s
  and the server's and the database's CPU per line. Linux only.

    dotnet tool restore
    dotnet pwsh ./bench/ingest-ab.ps1 -Baseline 3688902            # 4 rounds of 2 M lines
    dotnet pwsh ./bench/ingest-ab.ps1 -Baseline main~3 -Rounds 6 -Lines 1000000

  Everything goes under artifacts/bench-ingest-ab/; results.md holds the figures. The machine's
  speed drifts within minutes here, so read the per-round ratios and their mean, not absolute rates.
#>
param(
    [Parameter(Mandatory)] [string] $Baseline,
    [int] $Rounds = 4,
    [long] $Lines = 2000000,
    [int] $Hosts = 50,
    [int] $Concurrency = 4
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = Split-Path -Parent $PSScriptRoot
$work = Join-Path $repo 'artifacts/bench-ingest-ab'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')

if (Test-Path $work) { & git -C $repo worktree remove --force (Join-Path $work 'baseline-src') 2>$null; Remove-Item -Recurse -Force $work }
New-Item -ItemType Directory -Path $work | Out-Null
$baselineCommit = (& git -C $repo rev-parse --short $Baseline).Trim()
$thisCommit = (& git -C $repo rev-parse --short HEAD).Trim()
$dirty = if (@(& git -C $repo status --porcelain -- RlogServer Protos).Count -gt 0) { ' + uncommitted changes' } else { '' }
$servers = [ordered]@{ baseline = Join-Path $work 'bin/baseline'; this = Join-Path $work 'bin/this' }
try {
    Invoke-Checked "check out $Baseline ($baselineCommit)" { git -C $repo worktree add --detach (Join-Path $work 'baseline-src') $baselineCommit }
    Invoke-Checked 'build the baseline server (Release)' {
        dotnet publish (Join-Path $work 'baseline-src/RlogServer/RlogServer.csproj') -c Release -o $servers.baseline --artifacts-path (Join-Path $work 'build-baseline') -v quiet
    }
    Invoke-Checked 'build this tree''s server (Release)' {
        dotnet publish (Join-Path $repo 'RlogServer/RlogServer.csproj') -c Release -o $servers.this --artifacts-path (Join-Path $work 'build-this') -v quiet
    }
    Invoke-Checked 'build the load tool (Release)' {
        dotnet publish (Join-Path $repo 'bench/RlogBench.ConsoleLoad/RlogBench.ConsoleLoad.csproj') -c Release -o (Join-Path $work 'bin/tool') --artifacts-path (Join-Path $work 'build-this') -v quiet
    }

    $dsn = Start-Postgres
    $admin = $dsn -replace '/bench$', '/postgres'
    $rows = [System.Collections.Generic.List[object]]::new()
    for ($round = 1; $round -le $Rounds; $round++) {
        $order = if ($round % 2 -eq 1) { @('baseline', 'this') } else { @('this', 'baseline') }
        foreach ($which in $order) {
            $db = "ab_$which"
            Invoke-Psql $admin "DROP DATABASE IF EXISTS $db" | Out-Null
            Invoke-Psql $admin "CREATE DATABASE $db" | Out-Null
            $port = Get-FreePort
            $log = Join-Path $work "server-$which-$round"
            $server = Start-Logged 'dotnet' @((Join-Path $servers[$which] 'rlog-server.dll'), '--urls', "http://127.0.0.1:$port", '--db', ($dsn -replace '/bench$', "/$db"), '--project-key', 'bench') $log
            Wait-Until { Select-String -Path "$log.out" -Pattern 'Application started' -Quiet } "the $which server to listen"
            $server0 = Get-CpuSeconds $server.Id
            $db0 = Get-PostgresCpuSeconds
            $load = & dotnet (Join-Path $work 'bin/tool/rlog-bench-console.dll') load --server "http://127.0.0.1:$port" --hosts $Hosts --lines $Lines --concurrency $Concurrency 2>&1
            if ($LASTEXITCODE -ne 0) { Fail "load: $($load -join "`n")" }
            $serverCpu = (Get-CpuSeconds $server.Id) - $server0
            $dbCpu = (Get-PostgresCpuSeconds) - $db0
            Stop-Process -Id $server.Id
            $server.WaitForExit()
            $summary = ($load | Where-Object { $_ -match '^load ' } | Select-Object -Last 1)
            if ($summary -notmatch 'lines=(\d+) .*lines_per_s=(\d+)') { Fail "no summary from the load: $($load -join "`n")" }
            $stored = [long]$Matches[1]
            $rows.Add([pscustomobject]@{ Round = $round; Which = $which; Rate = [long]$Matches[2]; Server = $serverCpu * 1e6 / $stored; Database = $dbCpu * 1e6 / $stored })
            Write-Host ("{0} {1}: {2:N0} lines/s, server {3:N2} µs/line, database {4:N2} µs/line" -f $round, $which, $rows[-1].Rate, $rows[-1].Server, $rows[-1].Database)
        }
    }

    $report = [System.Collections.Generic.List[string]]::new()
    $report.Add("ingest A/B on PostgreSQL: baseline $baselineCommit, this tree $thisCommit$dirty; $($Lines.ToString('N0')) lines from $Hosts hosts a load, $Rounds rounds")
    $report.Add('')
    $report.Add('| round | baseline lines/s | this lines/s | ratio | server µs/line (baseline / this) | database µs/line (baseline / this) |')
    $report.Add('| ---: | ---: | ---: | ---: | ---: | ---: |')
    $ratios = @()
    for ($round = 1; $round -le $Rounds; $round++) {
        $a = $rows | Where-Object { $_.Round -eq $round -and $_.Which -eq 'baseline' }
        $b = $rows | Where-Object { $_.Round -eq $round -and $_.Which -eq 'this' }
        $ratios += $b.Rate / $a.Rate
        $report.Add(("| {0} | {1:N0} | {2:N0} | {3:N3} | {4:N2} / {5:N2} | {6:N2} / {7:N2} |" -f $round, $a.Rate, $b.Rate, ($b.Rate / $a.Rate), $a.Server, $b.Server, $a.Database, $b.Database))
    }
    $mean = { param($which, $field) ($rows | Where-Object { $_.Which -eq $which } | Measure-Object -Property $field -Average).Average }
    $report.Add('')
    $report.Add(("mean ratio of lines/s (this / baseline): {0:N3}; mean CPU per line, server {1:N2} / {2:N2} µs, database {3:N2} / {4:N2} µs" -f
        ($ratios | Measure-Object -Average).Average, (& $mean 'baseline' 'Server'), (& $mean 'this' 'Server'), (& $mean 'baseline' 'Database'), (& $mean 'this' 'Database')))
    $report | Set-Content (Join-Path $work 'results.md')
    Write-Host ''
    $report | ForEach-Object { Write-Host $_ }
}
finally {
    foreach ($process in $started) { if (-not $process.HasExited) { Stop-Process -Id $process.Id -ErrorAction SilentlyContinue } }
    Stop-Postgres
    & git -C $repo worktree remove --force (Join-Path $work 'baseline-src') 2>$null
}
