#!/usr/bin/env pwsh
<#
.SYNOPSIS
  What parsing events costs the agent end to end (issue 20), in one run on one machine:

    dotnet tool restore
    dotnet pwsh ./bench/parse-bench.ps1 [-Lines 1000000] [-SkipPublish] [-SkipPeer]

  Writes the standard log and its JSON shape (../shared/bench/genlog.py, --json), publishes the
  counting sink and the agent NativeAOT, then ships from a fresh state (read_from: beginning) until
  the sink has every line:
    raw-json     the JSON lines, no parse             (the JSON path's baseline)
    parse-json   the JSON lines, parse: json (time from ts, level)
    raw-plain    the standard lines, no parse         (the regex path's baseline)
    parse-regex  the standard lines, parse: regex (time, level, worker, msg)
  and rsyslog shipping the JSON lines raw (../shared/bench/peer-rsyslog.sh). Prints lines/s, CPU per
  line and peak RSS for each, and the ratios the issue asks for; writes artifacts/bench/parse-results.md.
  Linux only (reads /proc). Stops at the first failure; kills what it started.
#>
param(
    [long] $Lines = 1000000,
    [switch] $SkipPublish,
    [switch] $SkipPeer
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$repo = Split-Path -Parent $PSScriptRoot
$shared = Join-Path (Split-Path -Parent $repo) 'shared'
$work = Join-Path $repo 'artifacts/bench'
$bin = Join-Path $work 'bin'
$runs = Join-Path $work 'parse-run'
$script:started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$script:http = [System.Net.Http.HttpClient]::new()
$script:clockTicks = [int](& getconf CLK_TCK)

function Write-Step([string] $what) { Write-Host "==> $what" -ForegroundColor Cyan }

function Stop-Bench([string] $why) { throw "parse-bench: $why" }

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Get-EpochMicroseconds { return [long](([DateTime]::UtcNow.Ticks - [DateTime]::UnixEpoch.Ticks) / 10) }

# bash execs the program, so the process id is its own (what /proc and kill need).
function Start-Tracked([string] $name, [string] $dir, [string] $program, [string[]] $arguments) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $dir
    foreach ($a in @('-c', 'out=$1; err=$2; shift 2; exec "$@" >"$out" 2>"$err"', 'bash',
            (Join-Path $dir "$name.out"), (Join-Path $dir "$name.err"), $program) + $arguments) {
        $psi.ArgumentList.Add($a)
    }
    $process = [System.Diagnostics.Process]::Start($psi)
    $script:started.Add($process)
    return $process
}

function Invoke-Sink([string] $pathAndQuery) {
    $text = $script:http.GetStringAsync("http://127.0.0.1:$($script:controlPort)$pathAndQuery").GetAwaiter().GetResult()
    $figures = @{}
    foreach ($pair in ($text.Trim() -split '\s+')) {
        $key, $value = $pair -split '=', 2
        if ($null -ne $value) { $figures[$key] = $value }
    }
    return $figures
}

function Get-CpuSeconds([int] $id) {
    $stat = Get-Content -Raw "/proc/$id/stat"
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    return ([long]$fields[11] + [long]$fields[12]) / $script:clockTicks
}

function Get-PeakRssKb([int] $id) {
    $line = Select-String -Path "/proc/$id/status" -Pattern '^VmHWM:' | Select-Object -First 1
    return [long](($line.Line -split '\s+')[1])
}

# Ships $log with one source (its YAML lines in $sourceKeys) from a fresh state until the sink has every line.
function Invoke-Ship([string] $name, [string] $log, [string[]] $sourceKeys) {
    $dir = Join-Path $runs $name
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $yaml = @(
        "server_addr: http://127.0.0.1:$($script:grpcPort)", 'project_key: bench', 'batch_size: 1000',
        'flush_interval: 1', 'heartbeat_interval: 1', "state_dir: $dir/state", 'read_from: beginning',
        'sources:', '  - label: bench', "    path: $log"
    ) + $sourceKeys
    Set-Content -Path (Join-Path $dir 'agent.yaml') -Value $yaml
    Invoke-Sink "/reset?expect=$Lines" | Out-Null
    Write-Step "$name"
    $start = Get-EpochMicroseconds
    $agent = Start-Tracked 'agent' $dir $script:agentBin @('--config', (Join-Path $dir 'agent.yaml'))
    $deadline = [DateTime]::UtcNow.AddSeconds([Math]::Max(120, $Lines / 5000))
    while ($true) {
        $figures = Invoke-Sink '/wait?ms=500'
        if ([long]$figures.done_us -gt 0) { break }
        if ($agent.HasExited) { Stop-Bench "the agent ($name) exited $($agent.ExitCode); see $dir/agent.err" }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-Bench "${name}: $($figures.count) of $Lines lines at the sink in time; see $dir" }
    }

    $cpu = Get-CpuSeconds $agent.Id
    $rss = Get-PeakRssKb $agent.Id
    & kill -TERM $agent.Id
    $agent.WaitForExit(20000) | Out-Null
    $seconds = ([long]$figures.done_us - $start) / 1e6
    $result = [ordered]@{ lines_per_s = $Lines / $seconds; cpu_us_per_line = $cpu * 1e6 / $Lines; peak_rss_mb = $rss / 1024 }
    Write-Host ("    {0:N0} lines/s, {1:N2} us CPU per line, peak RSS {2:N1} MB" -f $result.lines_per_s, $result.cpu_us_per_line, $result.peak_rss_mb)
    return $result
}

try {
    if (-not $IsLinux) { Stop-Bench 'Linux only: the figures come from /proc' }
    $genlog = Join-Path $shared 'bench/genlog.py'
    if (-not (Test-Path $genlog)) { Stop-Bench "missing $genlog (the project's shared folder beside the repo)" }
    New-Item -ItemType Directory -Force -Path (Join-Path $work 'data'), $bin, $runs | Out-Null

    $plainLog = Join-Path $work "data/standard-$Lines.log"
    $jsonLog = Join-Path $work "data/standard-$Lines.json.log"
    if (-not (Test-Path "$plainLog.done")) {
        Write-Step "standard log: $Lines lines"
        & python3 $genlog $plainLog $Lines; if ($LASTEXITCODE -ne 0) { Stop-Bench 'genlog.py failed' }
        Set-Content -Path "$plainLog.done" -Value $Lines
    }
    if (-not (Test-Path "$jsonLog.done")) {
        Write-Step "standard log, JSON shape: $Lines lines"
        & python3 $genlog $jsonLog $Lines --json; if ($LASTEXITCODE -ne 0) { Stop-Bench 'genlog.py --json failed' }
        Set-Content -Path "$jsonLog.done" -Value $Lines
    }

    $sinkBin = Join-Path $bin 'sink/rlog-bench-sink'
    $script:agentBin = Join-Path $bin 'agent/rlog-agent'
    foreach ($p in @(@{ Project = 'bench/RlogBench.Sink/RlogBench.Sink.csproj'; Out = 'sink'; Path = $sinkBin }, @{ Project = 'RlogAgent/RlogAgent.csproj'; Out = 'agent'; Path = $script:agentBin })) {
        if ($SkipPublish -and (Test-Path $p.Path)) { continue }
        Write-Step "publish $($p.Out) (NativeAOT)"
        dotnet publish (Join-Path $repo $p.Project) -c Release -r linux-x64 -p:PublishAot=true --artifacts-path (Join-Path $work 'build') -o (Join-Path $bin $p.Out) -v quiet -clp:NoSummary
        if ($LASTEXITCODE -ne 0) { Stop-Bench "publishing $($p.Out) failed" }
    }

    $script:grpcPort = Get-FreePort
    $script:controlPort = Get-FreePort
    $sinkDir = Join-Path $runs 'sink'
    New-Item -ItemType Directory -Force -Path $sinkDir | Out-Null
    $sink = Start-Tracked 'sink' $sinkDir $sinkBin @('--port', "$($script:grpcPort)", '--control-port', "$($script:controlPort)")
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        try { Invoke-Sink '/count' | Out-Null; break }
        catch {
            if ($sink.HasExited -or [DateTime]::UtcNow -gt $deadline) { Stop-Bench "the sink did not start; see $sinkDir" }
            Start-Sleep -Milliseconds 100
        }
    }

    $results = [ordered]@{}
    $results['raw-json'] = Invoke-Ship 'raw-json' $jsonLog @()
    $results['parse-json'] = Invoke-Ship 'parse-json' $jsonLog @('    parse:', '      format: json')
    $results['raw-plain'] = Invoke-Ship 'raw-plain' $plainLog @()
    $results['parse-regex'] = Invoke-Ship 'parse-regex' $plainLog @('    parse:', '      format: regex', "      pattern: '^(?<time>\S+) (?<level>\w+) \[(?<worker>[^\]]+)\] (?<msg>.*)$'")

    $rsyslog = $null
    if (-not $SkipPeer) {
        Write-Step 'rsyslog, the JSON lines raw'
        $port = Get-FreePort
        $out = & bash -c 'PATH="$(dirname "$(python3 -c "import sys; print(sys.executable)")"):$PATH" exec bash "$@"' bash (Join-Path $shared 'bench/peer-rsyslog.sh') $jsonLog $port 2>&1
        if ($LASTEXITCODE -ne 0) { Stop-Bench "peer-rsyslog.sh failed: $out" }
        $line = ($out | Select-String -Pattern '^peer=').Line
        $rsyslog = @{}
        foreach ($pair in $line -split '\s+') { $k, $v = $pair -split '=', 2; $rsyslog[$k] = $v }
        Write-Host "    $line"
    }

    $report = @(
        "| run | lines/s | CPU us/line | peak RSS MB |",
        "| --- | ---: | ---: | ---: |"
    )
    foreach ($name in $results.Keys) {
        $r = $results[$name]
        $report += ("| {0} | {1:N0} | {2:N2} | {3:N1} |" -f $name, $r.lines_per_s, $r.cpu_us_per_line, $r.peak_rss_mb)
    }
    if ($null -ne $rsyslog) { $report += ("| rsyslog (JSON lines raw) | {0:N0} | {1:N2} | {2:N1} |" -f [double]$rsyslog.lines_per_s, [double]$rsyslog.cpu_us_per_line, ([double]$rsyslog.peak_rss_kb / 1024)) }
    $report += ''
    $report += ("- parse-json / raw-json lines/s: {0:N2} (target at least 0.6)" -f ($results['parse-json'].lines_per_s / $results['raw-json'].lines_per_s))
    if ($null -ne $rsyslog) { $report += ("- parse-json / rsyslog raw lines/s: {0:N2} (target at least 3)" -f ($results['parse-json'].lines_per_s / [double]$rsyslog.lines_per_s)) }
    $report += ("- parse-regex / raw-plain lines/s: {0:N2} (target at least 0.4)" -f ($results['parse-regex'].lines_per_s / $results['raw-plain'].lines_per_s))
    $machine = "$(& nproc) cores, $([Math]::Round((Get-Content /proc/meminfo -TotalCount 1).Split(' ', [StringSplitOptions]::RemoveEmptyEntries)[1] / 1MB)) GiB, $Lines lines"
    $report = @("Parse bench, $machine, commit $(& git -C $repo rev-parse --short HEAD)", '') + $report
    $report | Set-Content (Join-Path $work 'parse-results.md')
    Write-Host ''
    $report | ForEach-Object { Write-Host $_ }
}
finally {
    foreach ($p in $script:started) { if (-not $p.HasExited) { try { $p.Kill($true) } catch { } } }
}
