#!/usr/bin/env pwsh
<#
.SYNOPSIS
  The rlog benchmark (issue 7): the agent against the protocol's bare limit and two well-known
  peers, on one machine, in one run. Run from anywhere through the repo's local tool manifest:

    dotnet tool restore
    dotnet pwsh ./bench/run-bench.ps1 [-Lines 2000000] [-Quick] [-SkipPublish]

  Steps: writes the standard log (../shared/bench/genlog.py); publishes the counting sink, the bare
  loop and the agent NativeAOT; runs the bare loop into the sink; runs the agent from a fresh state
  (read_from: beginning) until the sink has every line, with its CPU time and peak RSS from /proc;
  runs rsyslog and syslog-ng (../shared/bench/peer-*.sh); measures the agent idle with 10 sources,
  its start-to-first-line latency and write-to-confirmation at a low rate; prints every figure and
  ratio (also written to artifacts/bench/results.md and results.json).

  At rest after shipping: the agent that shipped the log (10 sources: the log and 9 small files)
  keeps running, and its CPU and RSS are measured over -IdleSeconds; a second agent ships 400 files
  in 20 folders under one ** glob and is measured the same way; both cases are repeated with a
  framework-dependent publish (JIT) after -WarmupSeconds of rest. Every agent runs with
  heartbeat_interval 1 and flush_interval 1.

  -Quick: 20,000 lines, no peers, short idle, warm-up and low-rate phases: a smoke run.
  -SkipFrameworkDependent: leave out the framework-dependent publish and its idle cases.
  -SkipPublish: reuse the binaries of the previous run in artifacts/bench/bin.
  Linux only (reads /proc). Stops at the first failure with a message; kills what it started.
#>
param(
    [long] $Lines = 2000000,
    [switch] $Quick,
    [switch] $SkipPublish,
    [int] $IdleSeconds = 30,
    [int] $WarmupSeconds = 35,
    [int] $LowRateSeconds = 20,
    [switch] $SkipFrameworkDependent
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$repo = Split-Path -Parent $PSScriptRoot
$shared = Join-Path (Split-Path -Parent $repo) 'shared'
$work = Join-Path $repo 'artifacts/bench'
$bin = Join-Path $work 'bin'
$runs = Join-Path $work 'run'
if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Lines')) { $Lines = 20000 }
    if (-not $PSBoundParameters.ContainsKey('IdleSeconds')) { $IdleSeconds = 5 }
    if (-not $PSBoundParameters.ContainsKey('WarmupSeconds')) { $WarmupSeconds = 5 }
    if (-not $PSBoundParameters.ContainsKey('LowRateSeconds')) { $LowRateSeconds = 4 }
}

$script:started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$script:http = [System.Net.Http.HttpClient]::new()
$script:http.Timeout = [TimeSpan]::FromSeconds(60)
$script:clockTicks = 100
$script:controlPort = 0

function Write-Step([string] $what) { Write-Host "==> $what" -ForegroundColor Cyan }

function Stop-Bench([string] $why) {
    # Thrown, so the finally block below still kills what was started.
    throw "bench failed: $why"
}

function Invoke-Checked([string] $what, [scriptblock] $command) {
    Write-Step $what
    & $command
    if ($LASTEXITCODE -ne 0) { Stop-Bench "$what (exit code $LASTEXITCODE)" }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Get-EpochMicroseconds { return [long](([DateTime]::UtcNow.Ticks - [DateTime]::UnixEpoch.Ticks) / 10) }

# Starts a program with its output in files. bash execs it, so the process id is the program's own
# (what /proc and kill -TERM need), and arguments reach it unsplit.
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

function Stop-Tracked([System.Diagnostics.Process] $process, [int] $seconds = 20) {
    if ($process.HasExited) { return $process.ExitCode }
    & kill -TERM $process.Id
    if (-not $process.WaitForExit($seconds * 1000)) {
        $process.Kill($true)
        $process.WaitForExit()
        Stop-Bench "process $($process.Id) ignored SIGTERM for $seconds s and was killed"
    }
    return $process.ExitCode
}

function ConvertFrom-Figures([string] $text) {
    $figures = [ordered]@{}
    foreach ($pair in ($text.Trim() -split '\s+')) {
        $key, $value = $pair -split '=', 2
        if ($null -ne $value) { $figures[$key] = $value }
    }
    return $figures
}

function Invoke-Sink([string] $pathAndQuery) {
    $text = $script:http.GetStringAsync("http://127.0.0.1:$($script:controlPort)$pathAndQuery").GetAwaiter().GetResult()
    return ConvertFrom-Figures $text
}

# utime + stime of a live process, all threads, in seconds.
function Get-CpuSeconds([int] $id) {
    $stat = Get-Content -Raw "/proc/$id/stat"
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    return ([long]$fields[11] + [long]$fields[12]) / $script:clockTicks
}

# CPU seconds all processes spent (user, nice, system), from the first line of /proc/stat. Interrupt
# time is left out: loopback traffic is handled there and belongs to no process.
function Get-MachineBusySeconds {
    $fields = ((Get-Content '/proc/stat' -TotalCount 1) -split '\s+')[1..3] | ForEach-Object { [long]$_ }
    return ($fields[0] + $fields[1] + $fields[2]) / $script:clockTicks
}

function Get-StatusKb([int] $id, [string] $key) {
    $line = Select-String -Path "/proc/$id/status" -Pattern "^${key}:" | Select-Object -First 1
    return [long](($line.Line -split '\s+')[1])
}

# Waits until the sink has counted everything it expects; fails if $process ends first.
function Wait-SinkDone([System.Diagnostics.Process] $process, [string] $what, [int] $seconds) {
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    while ($true) {
        $figures = Invoke-Sink '/wait?ms=500'
        if ([long]$figures.done_us -gt 0) { return $figures }
        if ($null -ne $process -and $process.HasExited) {
            Stop-Bench "$what exited (code $($process.ExitCode)) with $($figures.count) of $($figures.expect) lines at the sink; see $runs"
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Bench "${what}: only $($figures.count) of $($figures.expect) lines at the sink after $seconds s; see $runs"
        }
    }
}

function New-AgentRun([string] $name, [string] $readFrom, [string[]] $sources) {
    $dir = Join-Path $runs $name
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $yaml = @(
        "server_addr: http://127.0.0.1:$($script:grpcPort)",
        'project_key: bench',
        'batch_size: 1000',
        'flush_interval: 1',
        'heartbeat_interval: 1',
        "state_dir: $dir/state",
        "read_from: $readFrom",
        'sources:'
    )
    $i = 0
    foreach ($source in $sources) {
        $yaml += "  - label: bench-$i"
        $yaml += "    path: $source"
        $i++
    }
    Set-Content -Path (Join-Path $dir 'agent.yaml') -Value $yaml
    return $dir
}

function Start-Agent([string] $dir, [string] $binary = $script:agentBin) {
    return Start-Tracked 'agent' $dir $binary @('--config', (Join-Path $dir 'agent.yaml'))
}

# Files that stay idle beside the shipped log: 9 sources of 20 lines each.
function New-IdleFiles([string] $folder) {
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    return 1..9 | ForEach-Object {
        $path = Join-Path $folder "idle-$_.log"
        Set-Content -Path $path -Value (1..20 | ForEach-Object { "2026-11-24T22:00:00.000Z INFO idle source line $_" })
        $path
    }
}

# 400 files in 20 folders (25 lines each), for one source with a ** glob.
function New-FileTree([string] $folder) {
    if (Test-Path $folder) { Remove-Item -Recurse -Force $folder }
    foreach ($d in 0..19) {
        $sub = Join-Path $folder ('app-{0:D2}' -f $d)
        New-Item -ItemType Directory -Force -Path $sub | Out-Null
        foreach ($f in 0..19) {
            Set-Content -Path (Join-Path $sub ('pod-{0:D2}.log' -f $f)) `
                -Value (1..25 | ForEach-Object { "2026-11-24T22:00:00.000Z INFO app $d pod $f line $_" })
        }
    }
    return 400 * 25
}

# CPU (% of one core) and RSS of a running agent over $seconds, with the rest of the machine's load.
function Measure-Idle([System.Diagnostics.Process] $process, [string] $what, [int] $seconds) {
    if ($process.HasExited) { Stop-Bench "$what exited $($process.ExitCode) before its idle window" }
    $cpu0 = Get-CpuSeconds $process.Id
    $busy0 = Get-MachineBusySeconds
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Start-Sleep -Seconds $seconds
    if ($process.HasExited) { Stop-Bench "$what exited $($process.ExitCode) during its idle window" }
    $cpu = (Get-CpuSeconds $process.Id) - $cpu0
    $elapsed = $clock.Elapsed.TotalSeconds
    $busy = (Get-MachineBusySeconds) - $busy0
    $figures = [ordered]@{
        cpu_percent = $cpu / $elapsed * 100
        resolution_percent = 100.0 / $script:clockTicks / $elapsed
        window_s = $elapsed
        rss_kb = Get-StatusKb $process.Id 'VmRSS'
        rss_anon_kb = Get-StatusKb $process.Id 'RssAnon'
        peak_rss_kb = Get-StatusKb $process.Id 'VmHWM'
        threads = Get-StatusKb $process.Id 'Threads'
        other_cores = [Math]::Max(0.0, ($busy - $cpu) / $elapsed)
    }
    Write-Host ("    at rest: {0} % of a core over {1} s (resolution {2} %), RSS {3} MB (anon {4} MB), {5} threads; other load {6} cores" -f `
        (Format-Number $figures.cpu_percent 'N3'), (Format-Number $elapsed 'N0'), (Format-Number $figures.resolution_percent 'N3'), `
        (Format-Number ($figures.rss_kb / 1024) 'N1'), (Format-Number ($figures.rss_anon_kb / 1024) 'N1'), $figures.threads, `
        (Format-Number $figures.other_cores 'N2'))
    return $figures
}

# Ships what $sources hold from a fresh state (read_from: beginning) until the sink has $expect
# lines, rests $restSeconds, then measures the same process at rest. Returns both sets of figures.
function Invoke-ShipThenRest([string] $name, [string] $binary, [string[]] $sources, [long] $expect, [int] $restSeconds) {
    Invoke-Sink "/reset?expect=$expect" | Out-Null
    $dir = New-AgentRun $name 'beginning' $sources
    $sinkCpuBefore = Get-CpuSeconds $script:sinkId
    $busyBefore = Get-MachineBusySeconds
    $startUs = Get-EpochMicroseconds
    $process = Start-Agent $dir $binary
    $sinkFigures = Wait-SinkDone $process "the agent ($name)" $script:timeout
    # Read before the agent is stopped: /proc/PID goes with the process.
    $cpu = Get-CpuSeconds $process.Id
    $hwm = Get-StatusKb $process.Id 'VmHWM'
    $sinkCpu = (Get-CpuSeconds $script:sinkId) - $sinkCpuBefore
    $busy = (Get-MachineBusySeconds) - $busyBefore
    $seconds = ([long]$sinkFigures.done_us - $startUs) / 1e6
    $ship = [ordered]@{
        lines_per_s = $expect / $seconds
        wall_s = $seconds
        cpu_us_per_line = $cpu * 1e6 / $expect
        peak_rss_kb = $hwm
        sink_cpu_us_per_line = $sinkCpu * 1e6 / $expect
        other_cores = [Math]::Max(0.0, ($busy - $cpu - $sinkCpu) / $seconds)
        send_calls = [long]$sinkFigures.calls
        lines_received = [long]$sinkFigures.lines
    }
    Write-Host ("    shipped {0} lines: {1} lines/s, {2} us CPU per line, peak RSS {3} MB (sink: {4} us CPU per line)" -f `
        (Format-Number $expect), (Format-Number $ship.lines_per_s), (Format-Number $ship.cpu_us_per_line 'N2'), `
        (Format-Number ($ship.peak_rss_kb / 1024) 'N1'), (Format-Number $ship.sink_cpu_us_per_line 'N2'))
    Start-Sleep -Seconds $restSeconds
    $idle = Measure-Idle $process "the agent ($name)" $IdleSeconds
    $exit = Stop-Tracked $process
    if ($exit -ne 0) { Stop-Bench "the agent ($name) exited $exit on SIGTERM; see $dir/agent.err" }
    return [ordered]@{ ship = $ship; idle = $idle }
}

function Format-Number([double] $value, [string] $format = 'N0') { return $value.ToString($format, [Globalization.CultureInfo]::InvariantCulture) }

function Get-Percentile([double[]] $values, [double] $p) {
    $sorted = @($values | Sort-Object)
    $index = [Math]::Max(0.0, [Math]::Ceiling($p / 100 * $sorted.Count) - 1)
    return $sorted[$index]
}

try {
    # --- 0. prerequisites ------------------------------------------------------------------------
    if (-not $IsLinux) { Stop-Bench 'Linux only: the figures come from /proc' }
    foreach ($tool in 'python3', 'bash', 'dotnet', 'getconf') {
        if ($null -eq (Get-Command $tool -ErrorAction SilentlyContinue)) { Stop-Bench "'$tool' is not on PATH" }
    }
    $genlog = Join-Path $shared 'bench/genlog.py'
    $peers = @('peer-rsyslog.sh', 'peer-syslog-ng.sh') | ForEach-Object { Join-Path $shared "bench/$_" }
    foreach ($needed in @($genlog) + $(if ($Quick) { @() } else { $peers })) {
        if (-not (Test-Path $needed)) {
            Stop-Bench "missing ${needed}: the bench needs the project's shared folder beside the repo ($shared)"
        }
    }
    $script:clockTicks = [int](& getconf CLK_TCK)
    New-Item -ItemType Directory -Force -Path $work, $bin, $runs | Out-Null

    # --- 1. the standard log ---------------------------------------------------------------------
    $logFile = Join-Path $work "data/standard-$Lines.log"
    if (Test-Path "$logFile.done") {
        Write-Step "standard log: reusing $logFile"
    }
    else {
        New-Item -ItemType Directory -Force -Path (Split-Path $logFile) | Out-Null
        Invoke-Checked "standard log: $Lines lines -> $logFile" { python3 $genlog $logFile $Lines }
        Set-Content -Path "$logFile.done" -Value $Lines
    }
    $logBytes = (Get-Item $logFile).Length

    # --- 2. NativeAOT binaries -------------------------------------------------------------------
    if ($null -eq (Get-Command clang -ErrorAction SilentlyContinue)) {
        # NativeAOT links with clang and zlib; a fresh Debian machine has neither.
        $prefix = if ((& id -u) -eq '0') { '' } else { 'sudo ' }
        Invoke-Checked 'install clang and zlib (apt-get)' {
            & bash -c "${prefix}apt-get update -qq && ${prefix}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld zlib1g-dev"
        }
    }
    $build = Join-Path $work 'build'
    $publish = @(
        @{ Name = 'sink'; Project = 'bench/RlogBench.Sink/RlogBench.Sink.csproj'; Binary = 'rlog-bench-sink' },
        @{ Name = 'bare'; Project = 'bench/RlogBench.BareLoop/RlogBench.BareLoop.csproj'; Binary = 'rlog-bench-bare' },
        @{ Name = 'agent'; Project = 'RlogAgent/RlogAgent.csproj'; Binary = 'rlog-agent' }
    )
    foreach ($p in $publish) {
        $out = Join-Path $bin $p.Name
        $p.Path = Join-Path $out $p.Binary
        if ($SkipPublish -and (Test-Path $p.Path)) { continue }
        # A build folder of its own (--artifacts-path), so the bench never races a developer's bin/obj.
        Invoke-Checked "publish $($p.Name) (NativeAOT, linux-x64)" {
            dotnet publish (Join-Path $repo $p.Project) -c Release -r linux-x64 -p:PublishAot=true `
                --artifacts-path $build -o $out -v quiet -clp:NoSummary
        }
    }
    $sinkBin, $bareBin, $script:agentBin = $publish | ForEach-Object { $_.Path }
    $agentFdBin = Join-Path $bin 'agent-fd/rlog-agent'
    if (-not $SkipFrameworkDependent -and -not ($SkipPublish -and (Test-Path $agentFdBin))) {
        # Its own build folder: the NativeAOT publish of the same project must not share obj/.
        Invoke-Checked 'publish agent (framework-dependent, JIT)' {
            dotnet publish (Join-Path $repo 'RlogAgent/RlogAgent.csproj') -c Release -p:PublishAot=false `
                --artifacts-path (Join-Path $work 'build-fd') -o (Join-Path $bin 'agent-fd') -v quiet -clp:NoSummary
        }
    }

    # --- 3. the sink -----------------------------------------------------------------------------
    $script:grpcPort = Get-FreePort
    $script:controlPort = Get-FreePort
    $sinkDir = Join-Path $runs 'sink'
    New-Item -ItemType Directory -Force -Path $sinkDir | Out-Null
    $sink = Start-Tracked 'sink' $sinkDir $sinkBin @('--port', "$($script:grpcPort)", '--control-port', "$($script:controlPort)")
    $script:sinkId = $sink.Id
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        try { Invoke-Sink '/count' | Out-Null; break }
        catch {
            if ($sink.HasExited) { Stop-Bench "the sink exited (code $($sink.ExitCode)); see $sinkDir/sink.err" }
            if ([DateTime]::UtcNow -gt $deadline) { Stop-Bench 'the sink did not answer within 15 s' }
            Start-Sleep -Milliseconds 100
        }
    }
    Write-Step "sink on 127.0.0.1:$($script:grpcPort) (control $($script:controlPort))"
    $script:timeout = [int][Math]::Max(120, $Lines / 5000)

    # --- 4. bare loop ----------------------------------------------------------------------------
    Write-Step "bare loop: $Lines lines on one Send call"
    Invoke-Sink "/reset?expect=$Lines" | Out-Null
    $bareDir = Join-Path $runs 'bare'
    New-Item -ItemType Directory -Force -Path $bareDir | Out-Null
    $sinkCpuBefore = Get-CpuSeconds $sink.Id
    $busyBefore = Get-MachineBusySeconds
    $startUs = Get-EpochMicroseconds
    $bareProcess = Start-Tracked 'bare' $bareDir $bareBin @('--server', "http://127.0.0.1:$($script:grpcPort)", '--file', $logFile)
    $sinkFigures = Wait-SinkDone $bareProcess 'the bare loop' $script:timeout
    $bareProcess.WaitForExit()
    $bareBusy = (Get-MachineBusySeconds) - $busyBefore
    $bareSinkCpu = (Get-CpuSeconds $sink.Id) - $sinkCpuBefore
    if ($bareProcess.ExitCode -ne 0) { Stop-Bench "the bare loop exited $($bareProcess.ExitCode); see $bareDir/bare.err" }
    $bareOwn = ConvertFrom-Figures (Get-Content -Raw (Join-Path $bareDir 'bare.out'))
    $bareSeconds = ([long]$sinkFigures.done_us - $startUs) / 1e6
    $bare = [ordered]@{
        lines_per_s = $Lines / $bareSeconds
        wall_s = $bareSeconds
        cpu_us_per_line = [double]$bareOwn.cpu_us_per_line
        peak_rss_kb = [long]$bareOwn.peak_rss_kb
        sink_cpu_us_per_line = $bareSinkCpu * 1e6 / $Lines
        # Cores used by everything else on the machine meanwhile (other builds, tests): 0 on a quiet machine.
        other_cores = [Math]::Max(0.0, ($bareBusy - $bareSinkCpu - [double]$bareOwn.cpu_s) / $bareSeconds)
    }
    Write-Host ("    {0} lines/s, {1} us CPU per line" -f (Format-Number $bare.lines_per_s), (Format-Number $bare.cpu_us_per_line 'N2'))

    # --- 5. the agent, end to end, then at rest -----------------------------------------------------
    # The agent that ships the log keeps running afterwards: its idle figures are "at rest after
    # shipping", with whatever the shipping left in its heap. Its 10 sources are the log and 9 files
    # of 20 lines (180 lines more than the log, counted in lines/s: 0.01 %).
    $idleFiles = New-IdleFiles (Join-Path $runs 'idle-files')
    $agentExpect = $Lines + 9 * 20
    Write-Step "agent (NativeAOT): $Lines lines (+180 in 9 small sources) from a fresh state, read_from: beginning, then $IdleSeconds s at rest"
    $run = Invoke-ShipThenRest 'agent' $script:agentBin (@($logFile) + $idleFiles) $agentExpect 3
    $agent = $run.ship
    $idle10 = $run.idle

    # --- 5b. 400 files in 20 folders under one ** glob, shipped, then at rest ------------------------
    $tree = Join-Path $runs 'files-400'
    $treeLines = New-FileTree $tree
    Write-Step "agent (NativeAOT): 400 files in 20 folders under one ** glob ($treeLines lines), then $IdleSeconds s at rest"
    $idle400 = (Invoke-ShipThenRest 'tree' $script:agentBin @("$tree/**/*.log") $treeLines 3).idle

    # --- 6. peers --------------------------------------------------------------------------------
    $peerFigures = [ordered]@{}
    if (-not $Quick) {
        foreach ($peerScript in $peers) {
            # A free port, not the scripts' fixed defaults: another bench on the machine may hold those.
            # The scripts start their python sink, sleep 0.3 s and start the peer: on a loaded machine the
            # sink may not listen yet, the peer's first connect is refused and it backs off past the
            # sink's 120 s timeout. Python without the pyenv shim starts faster; a failed try is retried.
            for ($try = 1; ; $try++) {
                $peerPort = Get-FreePort
                Write-Step "peer: $(Split-Path -Leaf $peerScript) (port $peerPort, try $try)"
                $script:peerOutput = & bash -c 'PATH="$(dirname "$(python3 -c "import sys; print(sys.executable)")"):$PATH" exec bash "$@"' bash $peerScript $logFile $peerPort 2>&1
                if ($LASTEXITCODE -eq 0) { break }
                if ($try -ge 3) { Stop-Bench "$peerScript exited $LASTEXITCODE`: $($script:peerOutput -join ' ')" }
                Write-Host "    failed ($LASTEXITCODE), again: $($script:peerOutput | Select-Object -Last 2)"
            }
            $line = $script:peerOutput | Where-Object { "$_" -match '^peer=' } | Select-Object -Last 1
            if ($null -eq $line) { Stop-Bench "$peerScript printed no 'peer=' line: $($script:peerOutput -join ' ')" }
            $figures = ConvertFrom-Figures "$line"
            if ([long]$figures.lines -ne $Lines) { Stop-Bench "$peerScript shipped $($figures.lines) of $Lines lines" }
            $peerFigures[$figures.peer] = $figures
            Write-Host "    $line"
        }
    }

    # --- 7. framework-dependent (JIT) build at rest, after shipping and a warm-up -----------------------
    $fd = $null
    if (-not $SkipFrameworkDependent) {
        Write-Step "agent (framework-dependent): $Lines lines (+180), then $WarmupSeconds s warm-up and $IdleSeconds s at rest"
        $fdRun = Invoke-ShipThenRest 'agent-fd' $agentFdBin (@($logFile) + $idleFiles) $agentExpect $WarmupSeconds
        Write-Step "agent (framework-dependent): 400 files in 20 folders under one ** glob, then $WarmupSeconds s warm-up and $IdleSeconds s at rest"
        $fdTree = Invoke-ShipThenRest 'tree-fd' $agentFdBin @("$tree/**/*.log") $treeLines $WarmupSeconds
        $fd = [ordered]@{ ship = $fdRun.ship; idle10 = $fdRun.idle; ship400 = $fdTree.ship; idle400 = $fdTree.idle }
    }

    # --- 8. start to first line --------------------------------------------------------------------
    $latencies = @()
    $attempts = if ($Quick) { 1 } else { 3 }
    for ($i = 1; $i -le $attempts; $i++) {
        Write-Step "start to first line ($i of $attempts): a one-line file, fresh state"
        $dir = New-AgentRun "first-line-$i" 'beginning' @((Join-Path $runs "first-line-$i.log"))
        Set-Content -Path (Join-Path $runs "first-line-$i.log") -Value '2026-11-24T22:00:00.000Z INFO the first line'
        Invoke-Sink '/reset?expect=1' | Out-Null
        $startUs = Get-EpochMicroseconds
        $process = Start-Agent $dir
        $figures = Wait-SinkDone $process 'the agent (first line)' 30
        $latencies += ([long]$figures.first_us - $startUs) / 1000
        $exit = Stop-Tracked $process
        if ($exit -ne 0) { Stop-Bench "the agent exited $exit on SIGTERM; see $dir/agent.err" }
        Write-Host ("    {0} ms" -f (Format-Number $latencies[-1] 'N0'))
    }
    $firstLineMs = Get-Percentile $latencies 50

    # --- 9. low rate: write to confirmation -------------------------------------------------------
    $rate = 20
    $lowCount = $LowRateSeconds * $rate
    Write-Step "low rate: $rate lines/s for $LowRateSeconds s, write to confirmation"
    $lowFile = Join-Path $runs 'low-rate.log'
    Set-Content -Path $lowFile -Value $null -NoNewline
    $lowDir = New-AgentRun 'low-rate' 'beginning' @($lowFile)
    Invoke-Sink "/reset?expect=$lowCount&trace=1" | Out-Null
    $lowProcess = Start-Agent $lowDir
    Start-Sleep -Seconds 2
    $written = @{}
    $stream = [System.IO.FileStream]::new($lowFile, [System.IO.FileMode]::Append, [System.IO.FileAccess]::Write, [System.IO.FileShare]::ReadWrite)
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        for ($n = 0; $n -lt $lowCount; $n++) {
            $due = $n * 1000 / $rate
            $wait = $due - $clock.ElapsedMilliseconds
            if ($wait -gt 0) { Start-Sleep -Milliseconds $wait }
            $bytes = [Text.Encoding]::ASCII.GetBytes("2026-11-24T22:00:00.000Z INFO low rate line seq=$n`n")
            $offset = $stream.Position
            $stream.Write($bytes, 0, $bytes.Length)
            $stream.Flush()
            $written["$offset"] = Get-EpochMicroseconds
        }
    }
    finally { $stream.Dispose() }
    Wait-SinkDone $lowProcess 'the agent (low rate)' 30 | Out-Null
    $lowExit = Stop-Tracked $lowProcess
    if ($lowExit -ne 0) { Stop-Bench "the agent exited $lowExit on SIGTERM; see $lowDir/agent.err" }
    $delays = @()
    foreach ($traceLine in ($script:http.GetStringAsync("http://127.0.0.1:$($script:controlPort)/trace").GetAwaiter().GetResult() -split "`n")) {
        if ($traceLine -eq '') { continue }
        $offset, $confirmedUs = $traceLine -split ' '
        if ($written.ContainsKey($offset)) { $delays += ([long]$confirmedUs - $written[$offset]) / 1000 }
    }
    if ($delays.Count -ne $lowCount) { Stop-Bench "low rate: $($delays.Count) of $lowCount lines traced" }
    $lowP50 = Get-Percentile $delays 50
    $lowP99 = Get-Percentile $delays 99
    Write-Host ("    p50 {0} ms, p99 {1} ms, max {2} ms" -f (Format-Number $lowP50), (Format-Number $lowP99), (Format-Number ($delays | Measure-Object -Maximum).Maximum))

    # --- 10. the table -----------------------------------------------------------------------------
    function Format-Peer([string] $name, $figures) {
        return "| $name | $(Format-Number ([double]$figures.lines_per_s)) | $(Format-Number ([double]$figures.cpu_us_per_line) 'N2') | $(Format-Number ([double]$figures.peak_rss_kb / 1024) 'N1') |"
    }
    function Format-Target([string] $what, [string] $measured, [string] $goal, $met) {
        $verdict = if ($null -eq $met) { 'n/a' } elseif ($met) { 'yes' } else { 'no' }
        return "| $what | $measured | $goal | $verdict |"
    }
    $table = @(
        "Standard log: $(Format-Number $Lines) lines, $(Format-Number ($logBytes / 1MB) 'N1') MiB; batch_size 1000, flush_interval 1.",
        '',
        '| shipper | lines/s | CPU us/line | peak RSS MB |',
        '| --- | ---: | ---: | ---: |',
        (Format-Peer 'bare loop (protocol limit)' $bare),
        (Format-Peer 'rlog-agent (NativeAOT)' $agent)
    )
    foreach ($name in $peerFigures.Keys) { $table += Format-Peer $name $peerFigures[$name] }
    if ($null -ne $fd) { $table += Format-Peer 'rlog-agent (framework-dependent, for reference)' $fd.ship }
    $table += ''
    $table += "Sink CPU: $(Format-Number $bare.sink_cpu_us_per_line 'N2') us/line during the bare loop, $(Format-Number $agent.sink_cpu_us_per_line 'N2') us/line during the agent run. Agent Send calls: $($agent.send_calls); lines received (with re-sends): $($agent.lines_received)."
    $table += "Other load on the machine (cores used by processes outside the bench): $(Format-Number $bare.other_cores 'N2') during the bare loop, $(Format-Number $agent.other_cores 'N2') during the agent run$(if ([Math]::Max($bare.other_cores, $agent.other_cores) -gt 0.2) { ' -- NOT QUIET: figures are disturbed, run again' } else { ' (quiet)' })."
    $table += ''
    $table += '| target (issue 11) | measured | goal | met |'
    $table += '| --- | ---: | ---: | :---: |'
    $rsyslog = $peerFigures['rsyslog']
    $syslogNg = $peerFigures['syslog-ng']
    if ($null -ne $rsyslog) {
        $speed = $agent.lines_per_s / [double]$rsyslog.lines_per_s
        $cpuRatio = $agent.cpu_us_per_line / [double]$rsyslog.cpu_us_per_line
        $table += Format-Target 'agent / rsyslog lines/s' (Format-Number $speed 'N2') '>= 4' ($speed -ge 4)
        $table += Format-Target 'agent / rsyslog CPU per line' (Format-Number $cpuRatio 'N3') '<= 0.167 (1/6)' ($cpuRatio -le 1 / 6)
    }
    else {
        $table += Format-Target 'agent / rsyslog lines/s' 'skipped (-Quick)' '>= 4' $null
        $table += Format-Target 'agent / rsyslog CPU per line' 'skipped (-Quick)' '<= 0.167 (1/6)' $null
    }
    if ($null -ne $syslogNg) {
        $table += Format-Target 'agent / syslog-ng lines/s (for reference)' (Format-Number ($agent.lines_per_s / [double]$syslogNg.lines_per_s) 'N2') '-' $null
        $table += Format-Target 'agent / syslog-ng CPU per line (for reference)' (Format-Number ($agent.cpu_us_per_line / [double]$syslogNg.cpu_us_per_line) 'N3') '-' $null
    }
    $bareRatio = $agent.lines_per_s / $bare.lines_per_s
    $table += Format-Target 'agent / bare loop lines/s' (Format-Number $bareRatio 'N2') '>= 1.0' ($bareRatio -ge 1.0)
    $table += Format-Target 'agent peak RSS (MB)' (Format-Number ($agent.peak_rss_kb / 1024) 'N1') '<= 24' ($agent.peak_rss_kb -le 24 * 1024)
    function Add-IdleTargets([string] $build, $at10, $at400) {
        $quiet = { param($f) if ($f.other_cores -gt 1.0) { ", other load $(Format-Number $f.other_cores 'N1') cores" } else { '' } }
        $script:table += Format-Target "at rest after shipping, 10 sources, $build (% of a core, ${IdleSeconds} s)" `
            "$(Format-Number $at10.cpu_percent 'N3')$(& $quiet $at10)" '<= 0.2' ($at10.cpu_percent -le 0.2)
        $script:table += Format-Target "RSS at rest, 10 sources, $build (MB)" (Format-Number ($at10.rss_kb / 1024) 'N1') '<= 16' ($at10.rss_kb -le 16 * 1024)
        $script:table += Format-Target "at rest after shipping, 400 files / 20 folders / one **, $build (% of a core)" `
            "$(Format-Number $at400.cpu_percent 'N3')$(& $quiet $at400)" '<= 0.5' ($at400.cpu_percent -le 0.5)
        $script:table += Format-Target "RSS at rest, 400 files, $build (MB, for reference)" (Format-Number ($at400.rss_kb / 1024) 'N1') '-' $null
    }
    $script:table = $table
    Add-IdleTargets 'NativeAOT' $idle10 $idle400
    if ($null -ne $fd) { Add-IdleTargets "framework-dependent, after $WarmupSeconds s warm-up" $fd.idle10 $fd.idle400 }
    $table = $script:table
    $table += Format-Target 'start to first line (ms, median)' "$(Format-Number $firstLineMs) ($(($latencies | ForEach-Object { Format-Number $_ }) -join ', '))" '<= 200' ($firstLineMs -le 200)
    $table += Format-Target "write to confirmation p99 at $rate lines/s (ms)" "$(Format-Number $lowP99) (p50 $(Format-Number $lowP50))" '<= 2000 (flush_interval + 1 s)' ($lowP99 -le 2000)

    $results = [ordered]@{
        lines = $Lines; log_bytes = $logBytes; bare = $bare; agent = $agent; peers = $peerFigures
        idle_10 = $idle10; idle_400 = $idle400; framework_dependent = $fd; first_line_ms = $latencies
        low_rate = [ordered]@{ lines_per_s = $rate; p50_ms = $lowP50; p99_ms = $lowP99 }
    }
    $results | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $work 'results.json')
    $table | Set-Content (Join-Path $work 'results.md')
    Write-Host ''
    $table | ForEach-Object { Write-Host $_ }
    Write-Host ''
    Write-Host "results: $(Join-Path $work 'results.md'), $(Join-Path $work 'results.json'); logs under $runs"
    $exitCode = 0
}
catch {
    Write-Host "FAILED: $($_.Exception.Message)" -ForegroundColor Red
    $exitCode = 1
}
finally {
    foreach ($process in $script:started) {
        if (-not $process.HasExited) {
            & kill -TERM $process.Id 2>$null
            if (-not $process.WaitForExit(5000)) { $process.Kill($true) }
        }
    }
    $script:http.Dispose()
}
exit $exitCode
