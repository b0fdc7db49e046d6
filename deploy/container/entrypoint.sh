#!/bin/sh
# rlog-entrypoint: run an application with rlog-agent beside it in one container, the agent
# shipping the files the application writes (README.md, "Companion: the agent beside an application").
#
#   ENTRYPOINT ["/usr/local/bin/rlog-entrypoint"]
#   CMD ["/app/server", "--port", "8080"]
#
# - The application is this script's arguments; the agent starts first, so it already follows the
#   log files when the application writes its first line.
# - SIGTERM or SIGINT goes to the application at once. The agent is stopped (SIGTERM) when the
#   application has exited, so the lines the application writes while it shuts down are shipped
#   too; then the agent drains within its shutdown_timeout and exits.
# - Before that stop the agent gets RLOG_SETTLE seconds (default 1) to read the application's last
#   lines: at SIGTERM the agent stops reading at once, and it notices appends within poll_interval.
# - The agent gets RLOG_SHUTDOWN_TIMEOUT (default 10) plus RLOG_STOP_MARGIN (default 5) seconds to
#   drain before SIGKILL. Set shutdown_timeout through RLOG_SHUTDOWN_TIMEOUT, which the agent reads
#   as well, so both agree. Give the container a stop timeout longer than the application's own
#   shutdown plus RLOG_SETTLE plus that (docker stop -t, terminationGracePeriodSeconds).
#   Signals that come while the agent drains are not passed on (a second one would make it exit
#   without confirming what it holds).
# - The script exits with the application's exit code (128 + N if it died of signal N); the
#   agent's exit code is printed on stderr.
#
# Environment: RLOG_AGENT (the agent's command, default rlog-agent on PATH), RLOG_AGENT_CONFIG
# (passed as --config when set; RLOG_AGENT is split into words, so it may be "dotnet rlog-agent.dll"),
# RLOG_SETTLE, RLOG_SHUTDOWN_TIMEOUT, RLOG_STOP_MARGIN, and the agent's own
# SERVER_ADDR, PROJECT_KEY and RLOG_* settings.
set -u

say() { printf 'rlog-entrypoint: %s\n' "$*" >&2; }

if [ "$#" -eq 0 ]; then
    say "usage: rlog-entrypoint APPLICATION [ARGUMENT...]"
    exit 2
fi

agent=${RLOG_AGENT:-rlog-agent}
shutdown_timeout=${RLOG_SHUTDOWN_TIMEOUT:-10}
margin=${RLOG_STOP_MARGIN:-5}
settle=${RLOG_SETTLE:-1}
case "$shutdown_timeout" in
    ''|*[!0-9.]*) say "RLOG_SHUTDOWN_TIMEOUT must be a number of seconds, not '$shutdown_timeout'"; exit 2 ;;
esac
case "$settle" in
    ''|*[!0-9.]*) say "RLOG_SETTLE must be a number of seconds, not '$settle'"; exit 2 ;;
esac
case "$margin" in
    ''|*[!0-9]*) say "RLOG_STOP_MARGIN must be a whole number of seconds, not '$margin'"; exit 2 ;;
esac
# Whole seconds, rounded up (not every sleep(1) takes fractions): 2.5 gives 3.
whole=${shutdown_timeout%%.*}
grace=$(( ${whole:-0} + margin ))
case "$shutdown_timeout" in *.*[1-9]*) grace=$(( grace + 1 )) ;; esac

app_pid=
signalled=
forward() {
    signalled=$1
    if [ -n "$app_pid" ]; then
        kill -s "$1" "$app_pid" 2>/dev/null || :
    fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT

# The agent's own exec'd command (a binary, or a wrapper that execs one): its pid is the agent's.
if [ -n "${RLOG_AGENT_CONFIG:-}" ]; then
    $agent --config "$RLOG_AGENT_CONFIG" &
else
    $agent &
fi
agent_pid=$!

"$@" &
app_pid=$!
# A signal that came before the application started is its too.
if [ -n "$signalled" ]; then
    forward "$signalled"
fi

# wait returns early (>128) when a trap runs; the application's own status comes from waiting
# again. If the application had already been collected (it died of the signal just forwarded),
# the next wait says 127 and the status seen before is the application's.
app_code=
previous=
while :; do
    signalled=
    wait "$app_pid"
    app_code=$?
    if [ "$app_code" -eq 127 ] && [ -n "$previous" ]; then
        app_code=$previous
        break
    fi
    if [ -n "$signalled" ] && [ "$app_code" -gt 128 ]; then
        previous=$app_code
        continue
    fi
    break
done
say "application exited with $app_code; stopping rlog-agent (pid $agent_pid) in ${settle} s, ${grace} s to drain"

# Not synchronisation with the agent (nothing to poll in it): a bounded allowance for the reading
# of lines written just before the application exited.
sleep "$settle" 2>/dev/null || sleep 1
kill -s TERM "$agent_pid" 2>/dev/null || :
# The watchdog kills the agent if its drain overruns; it is stopped as soon as the agent exits.
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$grace" &
    sleeper=$!
    wait "$sleeper" && { say "rlog-agent did not stop within ${grace} s: SIGKILL"; kill -s KILL "$agent_pid" 2>/dev/null; }
) &
watchdog=$!

# Signals from here on are not passed on: the agent is draining already, bounded by the watchdog,
# and a second signal would make it exit at once without confirming what it holds.
while :; do
    wait "$agent_pid"
    agent_code=$?
    # A trap interrupts wait (the agent still runs, or is not yet collected): wait again.
    kill -0 "$agent_pid" 2>/dev/null || break
done
kill -s TERM "$watchdog" 2>/dev/null || :
wait "$watchdog" 2>/dev/null || :
say "rlog-agent exited with $agent_code"
exit "$app_code"
