#!/bin/sh
# What the agent's CPU does after a burst: the agent runs on an empty folder tree under one `**`
# glob, then 400 files (20 folders x 20, 25 lines each) appear at once. Prints the agent's CPU
# (% of one core) in every half second from the burst on, and when all lines were stored.
#
#   bench/burst-settle.sh [AGENT_COMMAND...]
#   RLOG_BURST_AT_START=1 bench/burst-settle.sh   # the files exist first; the agent starts on them
#
# Default agent: the framework-dependent build (dotnet RlogAgent/bin/Release/net10.0/rlog-agent.dll);
# give the NativeAOT binary's path to measure it instead. Extra environment (DOTNET_...) is passed on;
# DOTNET_JitDisasmSummary=1 DOTNET_JitStdOutFile=FILE makes the runtime list every method it compiles,
# and the script then counts them before the burst and at the end.
# Needs: dotnet pwsh ./build.ps1 build, python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${RLOG_BENCH_DIR:-$root/artifacts/bench-burst}
seconds=${RLOG_BURST_SECONDS:-12}
server_dll=$root/RlogServer/bin/Release/net10.0/rlog-server.dll
[ $# -gt 0 ] || set -- dotnet "$root/RlogAgent/bin/Release/net10.0/rlog-agent.dll"
[ -f "$server_dll" ] || { echo "build first: dotnet pwsh ./build.ps1 build" >&2; exit 1; }

rm -rf "$work"; mkdir -p "$work/tree"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/agent.yaml" <<YAML
server_addr: http://127.0.0.1:$port
project_key: bench
flush_interval: 1
heartbeat_interval: 10
state_dir: $work/state
read_from: beginning
sources:
  - label: tree
    path: $work/tree/**/*.log
YAML
dotnet "$server_dll" --urls "http://127.0.0.1:$port" --db "$work/rlog.db" --project-key bench >"$work/server.log" 2>&1 &
server=$!
agent=
trap 'kill $server ${agent:-} 2>/dev/null || :' EXIT
until grep -q -i "listening" "$work/server.log" 2>/dev/null; do sleep 0.2; done

# The 400 files, written into a folder beside the tree and moved in at once.
burst() {
    mkdir -p "$work/staging"
    for d in $(seq -w 0 19); do
        mkdir -p "$work/staging/app-$d"
        for f in $(seq -w 0 19); do
            seq 1 25 | sed "s/^/2026-11-24T22:00:00.000Z INFO app $d pod $f line /" > "$work/staging/app-$d/pod-$f.log"
        done
    done
    for d in "$work"/staging/*; do mv "$d" "$work/tree/"; done
}

if [ -n "${RLOG_BURST_AT_START:-}" ]; then
    burst
    "$@" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
    agent=$!
    echo "agent started on 400 files, 10000 lines; its CPU in each half second (% of a core):"
else
    "$@" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
    agent=$!
    until grep -q "Watching\|starting" "$work/agent.log" 2>/dev/null; do sleep 0.2; done
    sleep 8   # start-up done (its JIT included) before the burst
    [ -z "${DOTNET_JitStdOutFile:-}" ] || echo "methods compiled by the JIT before the burst: $(grep -c 'Tier\|FullOpts' "$DOTNET_JitStdOutFile")"
    burst
    echo "burst moved in: 400 files, 10000 lines; the agent's CPU in each half second (% of a core):"
fi
python3 - "$agent" "$seconds" <<'PY'
import os, sys, time
pid, seconds = sys.argv[1], float(sys.argv[2])
hz = os.sysconf("SC_CLK_TCK")
def cpu():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz
start = time.monotonic(); last_t, last_c = start, cpu(); total = []
while last_t - start < seconds:
    time.sleep(0.5)
    t, c = time.monotonic(), cpu()
    pct = 100 * (c - last_c) / (t - last_t)
    total.append(pct)
    print(f"{t - start:5.1f} s  {pct:5.1f} %")
    last_t, last_c = t, c
settled = next((i for i in range(len(total)) if all(p <= 2 for p in total[i:])), None)
print("settled (every later half second at or under 2 %) after", "never" if settled is None else f"{settled * 0.5:.1f} s")
PY
dotnet "$server_dll" stats --db "$work/rlog.db" | head -3
if [ -n "${DOTNET_JitStdOutFile:-}" ]; then
    echo "methods compiled by the JIT by the end: $(grep -c 'Tier\|FullOpts' "$DOTNET_JitStdOutFile"), of them at tier 1 after the burst: see $DOTNET_JitStdOutFile"
fi
