#!/usr/bin/env pwsh
<#
.SYNOPSIS
  Builds, tests, publishes and demonstrates rlog. Run through the repo's local tool manifest:

    dotnet tool restore
    dotnet pwsh ./build.ps1 <task>

  Tasks:
    build    compile the solution (Release)
    test     build, then run every test; prints "N passed, N failed, N skipped"
    publish  the agent as one NativeAOT binary for linux-x64 in artifacts/publish/, linked against
             Debian 11's glibc 2.31 (deploy/sysroot.sh) so it runs on that glibc and later;
             `publish -HostGlibc` links against this machine's glibc instead
    image    publish, then the container image from scratch with buildah (deploy/container/build-image.sh)
    demo     start the reference server (with its console) and the agent, write a log, show its lines
             arriving, and print the console's address and viewer key; `demo -Console` then leaves
             the server running until Ctrl+C, to look around in a browser
    bench    the side-by-side benchmark (bench/run-bench.ps1; see BENCHMARKS.md); `bench -Quick` smoke-runs it
    soak     the churn soak test (files rotated, truncated, deleted; server restarted and refusing; agent
             SIGKILLed), `-Minutes N` long (default 10); not part of `test`
  Stops at the first failure, with that step's exit code.
#>
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'publish', 'image', 'demo', 'bench', 'soak')]
    [string] $Task = 'build',
    [string] $Configuration = 'Release',
    # bench only: a short smoke run (bench/run-bench.ps1 -Quick)
    [switch] $Quick,
    # soak only: how long the churn runs, in minutes
    [double] $Minutes = 10,
    # demo only: keep the server and its console running until Ctrl+C
    [switch] $Console,
    # publish and image only: link against this machine's glibc, not Debian 11's
    [switch] $HostGlibc
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$artifacts = Join-Path $root 'artifacts'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Step([string] $what, [scriptblock] $command) {
    Write-Host "==> $what" -ForegroundColor Cyan
    & $command
    if ($LASTEXITCODE -ne 0) {
        Write-Host "FAILED: $what (exit code $LASTEXITCODE)" -ForegroundColor Red
        exit $LASTEXITCODE
    }
}

# What a command that needs root starts with: nothing as root, else sudo.
function Get-SudoPrefix { if ((& id -u) -eq '0') { return '' } else { return 'sudo ' } }

# Installs Debian packages that are missing (as root, or through sudo).
function Install-DebianPackages([string] $why, [string[]] $packages) {
    if ($null -eq (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Host "FAILED: $why needs $($packages -join ', '); install them first" -ForegroundColor Red
        exit 1
    }
    $prefix = Get-SudoPrefix
    Invoke-Step "install $($packages -join ' ') (apt-get), for $why" {
        & bash -c "${prefix}apt-get update -qq && ${prefix}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $($packages -join ' ')"
    }
}

# The server's console embeds front-end libraries installed with npm ci (RlogServer/WebConsole).
function Install-BuildPrerequisites {
    if (-not $IsLinux) { return }
    if ($null -eq (Get-Command npm -ErrorAction SilentlyContinue)) { Install-DebianPackages 'the console''s front-end libraries' @('nodejs', 'npm') }
}

function Invoke-Build {
    Install-BuildPrerequisites
    Invoke-Step 'restore' { dotnet restore (Join-Path $root 'RlogAgent.sln') }
    Invoke-Step "build ($Configuration)" { dotnet build (Join-Path $root 'RlogAgent.sln') -c $Configuration --no-restore }
    # Windows is the agent's second platform: its code paths (file identity by volume serial and
    # file index, no POSIX modes) must at least compile. Framework-dependent, no apphost to fetch.
    Invoke-Step "build agent for win-x64 ($Configuration)" {
        dotnet build (Join-Path $root 'RlogAgent/RlogAgent.csproj') -c $Configuration -r win-x64 --self-contained false `
            -p:UseAppHost=false -o (Join-Path $artifacts 'win-x64')
    }
}

# The server's PostgreSQL tests start a throwaway cluster of their own (initdb into a temp folder, as
# the postgres user, on a free loopback port): they need the server binaries, which a fresh Debian
# machine lacks. Installed here, so the README's test command works there as CI's does.
# The console's browser tests drive Debian's Chromium (Playwright with ExecutablePath).
function Install-TestPrerequisites {
    if (-not $IsLinux) { return }
    if (-not ((Test-Path '/usr/lib/postgresql/*/bin/initdb') -or ($null -ne (Get-Command initdb -ErrorAction SilentlyContinue)))) {
        Install-DebianPackages 'the tests'' throwaway PostgreSQL clusters' @('postgresql')
    }
    if (-not (Test-Path '/usr/bin/chromium')) {
        Install-DebianPackages 'the console''s browser tests' @('chromium', 'fonts-dejavu-core')
    }
}

function Invoke-Test {
    Install-TestPrerequisites
    Invoke-Build
    $results = Join-Path $artifacts 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    Write-Host '==> test' -ForegroundColor Cyan
    dotnet test (Join-Path $root 'RlogAgent.sln') -c $Configuration --no-build `
        --logger 'trx;LogFileName=results.trx' --logger 'console;verbosity=normal' --results-directory $results
    $testExit = $LASTEXITCODE
    $trx = Get-ChildItem -Path $results -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $trx) {
        Write-Host "FAILED: test (no results written, exit code $testExit)" -ForegroundColor Red
        exit ([Math]::Max($testExit, 1))
    }
    $counters = ([xml](Get-Content -Raw $trx.FullName)).TestRun.ResultSummary.Counters
    $skipped = [int]$counters.total - [int]$counters.executed
    Write-Host "$($counters.passed) passed, $($counters.failed) failed, $skipped skipped"
    if ($testExit -ne 0) { exit $testExit }
    if ([int]$counters.executed -eq 0) {
        Write-Host 'FAILED: no test ran' -ForegroundColor Red
        exit 1
    }
}

function Install-NativeToolchain {
    # NativeAOT links with clang and zlib; a fresh Debian machine has neither.
    if ($null -eq (Get-Command clang -ErrorAction SilentlyContinue)) { Install-DebianPackages 'NativeAOT' @('clang', 'lld', 'zlib1g-dev') }
}

function Invoke-Publish {
    Install-NativeToolchain
    $out = Join-Path $artifacts 'publish/linux-x64'
    $linkAgainst = @()
    $sysroot = Join-Path $artifacts 'sysroot/debian11'
    if (-not $HostGlibc) {
        if (-not (Test-Path /usr/sbin/debootstrap)) { Install-DebianPackages 'linking against Debian 11''s glibc' @('debootstrap') }
        $prefix = Get-SudoPrefix
        Invoke-Step 'glibc 2.31 to link against (deploy/sysroot.sh, once)' {
            & bash -c "${prefix}env PATH=`$PATH:/usr/sbin sh '$(Join-Path $root 'deploy/sysroot.sh')' '$sysroot'"
        }
        $linkAgainst = @("-p:SysRoot=$sysroot")
    }
    # The link step does not see a change of glibc: remove its output so that it always runs (seconds).
    Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $root 'RlogAgent/bin/Release/net10.0/linux-x64/native/rlog-agent')
    Invoke-Step 'publish agent (NativeAOT, linux-x64)' {
        dotnet publish (Join-Path $root 'RlogAgent/RlogAgent.csproj') -c Release -r linux-x64 `
            -p:PublishAot=true @linkAgainst -o $out
    }
    $binary = Join-Path $out 'rlog-agent'
    $size = [Math]::Round((Get-Item $binary).Length / 1MB, 1)
    Write-Host "agent binary: $binary ($size MiB)"
    # The oldest glibc it runs on: the highest GLIBC_x.y symbol version it uses.
    if ($null -ne (Get-Command objdump -ErrorAction SilentlyContinue)) {
        $glibc = & objdump -T $binary | Select-String -Pattern 'GLIBC_([0-9]+)\.([0-9]+)' -AllMatches |
            ForEach-Object { $_.Matches } | ForEach-Object { [version]"$($_.Groups[1].Value).$($_.Groups[2].Value)" } |
            Sort-Object -Descending | Select-Object -First 1
        Write-Host "needs glibc $glibc or later (not musl)"
    }
    # Proof that it runs there: start it in the Debian 11 file system it was linked against.
    if (-not $HostGlibc -and (& id -u) -eq '0') {
        $inside = Join-Path $sysroot 'usr/local/bin/rlog-agent'
        Copy-Item $binary $inside -Force
        Invoke-Step 'start it on Debian 11 (chroot)' { & chroot $sysroot /usr/local/bin/rlog-agent --version }
        Remove-Item $inside
    }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-Until([scriptblock] $condition, [string] $what, [int] $seconds = 30) {
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    while (-not (& $condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "timed out waiting for $what" }
        Start-Sleep -Milliseconds 100
    }
}

function Send-Sigterm([System.Diagnostics.Process] $process) {
    if (-not $process.HasExited) { & kill -TERM $process.Id }
}

function Invoke-Demo {
    Invoke-Build
    $demo = Join-Path $artifacts 'demo'
    if (Test-Path $demo) { Remove-Item -Recurse -Force $demo }
    New-Item -ItemType Directory -Force -Path (Join-Path $demo 'logs'), (Join-Path $demo 'config') | Out-Null
    $serverDll = Join-Path $root "RlogServer/bin/$Configuration/net10.0/rlog-server.dll"
    $agentDll = Join-Path $root "RlogAgent/bin/$Configuration/net10.0/rlog-agent.dll"
    $db = Join-Path $demo 'rlog.db'
    $port = Get-FreePort
    $consolePort = Get-FreePort
    $viewerKey = 'demo-viewer-' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
    $log = Join-Path $demo 'logs/app.log'
    Set-Content -Path (Join-Path $demo 'config/agent.yaml') -Value @"
server_addr: http://127.0.0.1:$port
project_key: demo-key
batch_size: 200
flush_interval: 1
heartbeat_interval: 5
read_from: beginning
sources:
  - label: demo-app
    path: $demo/logs/*.log
"@
    Write-Host "==> demo: server on 127.0.0.1:$port, database $db" -ForegroundColor Cyan
    # The viewer key goes through a file (kept out of ps), as the README advises.
    $keysFile = Join-Path $demo 'viewer-keys'
    Set-Content -Path $keysFile -Value $viewerKey
    $server = Start-Process dotnet -ArgumentList @($serverDll, '--urls', "http://127.0.0.1:$port", '--db', $db, '--project-key', 'demo-key',
            '--console-listen', "127.0.0.1:$consolePort", '--viewer-keys-file', $keysFile) `
        -WorkingDirectory $demo -PassThru -RedirectStandardOutput (Join-Path $demo 'server.log') -RedirectStandardError (Join-Path $demo 'server.err')
    $agent = $null
    try {
        Wait-Until { Select-String -Path (Join-Path $demo 'server.log') -Pattern 'listening|Now listening' -Quiet } 'the server to listen'
        $agent = Start-Process dotnet -ArgumentList @($agentDll) -WorkingDirectory $demo -PassThru `
            -RedirectStandardOutput (Join-Path $demo 'agent.log') -RedirectStandardError (Join-Path $demo 'agent.err')
        Write-Host '==> demo: agent started; writing 5 x 200 lines to logs/app.log' -ForegroundColor Cyan
        $seq = 0
        for ($round = 1; $round -le 5; $round++) {
            $lines = for ($i = 0; $i -lt 200; $i++) {
                $seq++
                '{0:o} INFO [worker-{1}] request handled path=/api/v1/items/{2} status=200 seq={3}' -f [DateTime]::UtcNow, ($seq % 16), ($seq * 7919 % 99991), $seq
            }
            Add-Content -Path $log -Value $lines
            Start-Sleep -Seconds 1
            $stored = (& dotnet $serverDll stats --db $db | Select-String -Pattern 'lines' | Select-Object -First 1)
            Write-Host "    written $seq lines; server: $stored"
        }
        Wait-Until { (& dotnet $serverDll stats --db $db | Out-String) -match "\b$seq\b" } "all $seq lines at the server"
        Write-Host '==> demo: the last lines the server stored' -ForegroundColor Cyan
        & dotnet $serverDll tail --db $db -n 5
        Write-Host '==> demo: SIGTERM to the agent' -ForegroundColor Cyan
        Send-Sigterm $agent
        $agent.WaitForExit(15000) | Out-Null
        Write-Host "    agent exit code: $($agent.ExitCode)"
        Get-Content (Join-Path $demo 'agent.log') | Select-Object -Last 4 | ForEach-Object { "    agent: $_" }
        & dotnet $serverDll stats --db $db
        Write-Host '==> demo: the console' -ForegroundColor Cyan
        Write-Host "    open http://127.0.0.1:$consolePort/ and sign in with the viewer key $viewerKey"
        if ($agent.ExitCode -ne 0) { exit $agent.ExitCode }
        if ($Console) {
            Write-Host '    the server keeps running until Ctrl+C' -ForegroundColor Cyan
            $server.WaitForExit()
        }
    }
    finally {
        if ($null -ne $agent -and -not $agent.HasExited) { $agent.Kill() }
        Send-Sigterm $server
        $server.WaitForExit(10000) | Out-Null
        if (-not $server.HasExited) { $server.Kill() }
    }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'publish' { Invoke-Publish }
    'image' {
        Invoke-Publish
        if ($null -eq (Get-Command buildah -ErrorAction SilentlyContinue)) { Install-DebianPackages 'the image' @('buildah') }
        Invoke-Step 'image (buildah, from scratch)' { & sh (Join-Path $root 'deploy/container/build-image.sh') }
    }
    'demo' { Invoke-Demo }
    'bench' {
        & (Join-Path $root 'bench/run-bench.ps1') -Quick:$Quick
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'soak' {
        Invoke-Build
        $env:RLOG_SOAK_MINUTES = $Minutes.ToString([Globalization.CultureInfo]::InvariantCulture)
        Invoke-Step "soak ($Minutes min)" {
            dotnet test (Join-Path $root 'RlogAgent.Tests/RlogAgent.Tests.csproj') -c $Configuration --no-build `
                --filter 'TestCategory=Soak' --logger 'console;verbosity=normal'
        }
    }
}
exit 0
