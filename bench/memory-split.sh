#!/usr/bin/env bash
# The agent's memory, resident and private (anonymous) apart, peak and at rest: one server
# (SQLite, the built rlog-server), ten sources of 20,000 standard lines each read from the
# beginning, the resident set sampled every 250 ms for 10 s of shipping, then read again after
# 20 s at rest. Prints one line; artifacts under artifacts/bench-memory/.
#
#   dotnet pwsh ./build.ps1 publish                     # the NativeAOT agent
#   dotnet build RlogServer -c Release                 # the server it ships to
#   bench/memory-split.sh artifacts/publish/linux-x64/rlog-agent [label] [port]
set -euo pipefail
bin=$(realpath "$1"); label=${2:-agent}; port=${3:-51901}
repo=$(cd "$(dirname "$0")/.." && pwd)
server="$repo/RlogServer/bin/Release/net10.0/rlog-server.dll"
d="$repo/artifacts/bench-memory/$label"; rm -rf "$d"; mkdir -p "$d/config" "$d/logs"
for i in $(seq 1 10); do python3 "$repo/../shared/bench/genlog.py" "$d/logs/app$i.log" 20000 "$i" >/dev/null; done
{
  printf 'server_addr: http://127.0.0.1:%s\nproject_key: mem\nread_from: beginning\nsources:\n' "$port"
  for i in $(seq 1 10); do printf '  - label: s%s\n    path: %s/logs/app%s.log\n' "$i" "$d" "$i"; done
} > "$d/config/agent.yaml"
(cd "$d" && exec dotnet "$server" --db "$d/s.db" --project-key mem --urls "http://127.0.0.1:$port" > server.log 2>&1) &
server_pid=$!
trap 'kill "${agent_pid:-0}" "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "Now listening" "$d/server.log" 2>/dev/null && break; sleep 0.1; done
(cd "$d" && exec "$bin" > agent.log 2>&1) &
agent_pid=$!
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$agent_pid/status"; }
peak_anon=0
for _ in $(seq 1 40); do a=$(kb RssAnon); [ "${a:-0}" -gt "$peak_anon" ] && peak_anon=$a; sleep 0.25; done
sleep 20
echo "$label: binary $(stat -c %s "$bin") B; peak: VmHWM $(kb VmHWM) kB, RssAnon $peak_anon kB (sampled); at rest: VmRSS $(kb VmRSS) kB = RssAnon $(kb RssAnon) kB private + RssFile $(kb RssFile) kB file-backed (the binary and libraries, shared, reclaimable)"
kill -TERM "$agent_pid"; wait "$agent_pid" || true
