#!/bin/sh
# rlog-entrypoint: run an application with rlog-agent beside it in one container, the agent
# shipping the files the application writes (docs/operations.md, "Companion: the agent beside an application").
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
# - A non-interactive shell starts background commands with SIGINT and SIGQUIT ignored, so an
#   application started with "$@" & never saw Ctrl+C or "docker stop --signal SIGINT". Both
#   processes are started through "env --default-signal" (GNU coreutils 8.31+), which gives them
#   the default actions back, and SIGINT is forwarded as SIGINT. Where env cannot do that (BusyBox),
#   a SIGINT is forwarded as SIGTERM, which the application does not ignore; it says so at start.
# - If the agent exits while the application runs (a bad config, a state folder it cannot write),
#   its exit code is printed at once. With RLOG_AGENT_REQUIRED=true the application is then stopped
#   (SIGTERM) and the script exits with the application's code, or the agent's when that is 0; by
#   default (false) the application goes on without log shipping.
#
# Environment: RLOG_AGENT (the agent's command, default rlog-agent on PATH), RLOG_AGENT_CONFIG
# (passed as --config when set; RLOG_AGENT is split into words, so it may be "dotnet rlog-agent.dll"),
# RLOG_SETTLE, RLOG_SHUTDOWN_TIMEOUT, RLOG_STOP_MARGIN, RLOG_AGENT_REQUIRED, and the agent's own
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
required=${RLOG_AGENT_REQUIRED:-false}
case "$required" in
    true|false) ;;
    *) say "RLOG_AGENT_REQUIRED must be true or false, not '$required'"; exit 2 ;;
esac
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

# Background commands of a non-interactive shell ignore SIGINT and SIGQUIT: start both with the
# default actions back where env can give them.
if env --default-signal=INT,QUIT true 2>/dev/null; then
    defaults="env --default-signal=INT,QUIT"
    int_signal=INT
else
    defaults=
    int_signal=TERM
    say "env cannot reset ignored signals here (not GNU coreutils): SIGINT is passed on as SIGTERM"
fi

app_pid=
signalled=
stop_signal=TERM
forward() {
    signalled=$1
    stop_signal=$1
    if [ -n "$app_pid" ]; then
        kill -s "$1" "$app_pid" 2>/dev/null || :
    fi
}
trap 'forward TERM' TERM
trap 'forward "$int_signal"' INT
# Any child's exit interrupts a wait: how the agent's early exit is noticed.
child_exited=
trap 'child_exited=1' CHLD

# The agent's own exec'd command (a binary, or a wrapper that execs one): its pid is the agent's.
if [ -n "${RLOG_AGENT_CONFIG:-}" ]; then
    $defaults $agent --config "$RLOG_AGENT_CONFIG" &
else
    $defaults $agent &
fi
agent_pid=$!
agent_code=

$defaults "$@" &
app_pid=$!
# A signal that came before the application started is its too.
if [ -n "$signalled" ]; then
    forward "$signalled"
fi

# Collects the agent's exit code if it has exited (it was reaped, so kill -0 fails and wait returns at once).
agent_gone() {
    [ -z "$agent_code" ] || return 0
    kill -0 "$agent_pid" 2>/dev/null && return 1
    wait "$agent_pid"
    agent_code=$?
    return 0
}

# wait returns early (>128) when a trap runs; the application's own status comes from waiting
# again. If the application had already been collected (it died of the signal just forwarded),
# the next wait says 127 and the status seen before is the application's.
app_code=
previous=
while :; do
    signalled=
    child_exited=
    wait "$app_pid"
    app_code=$?
    if [ "$app_code" -eq 127 ] && [ -n "$previous" ]; then
        app_code=$previous
        break
    fi
    if [ -n "$child_exited" ] && [ -z "$agent_code" ] && kill -0 "$app_pid" 2>/dev/null && agent_gone; then
        say "rlog-agent exited with $agent_code while the application runs: its logs are not shipped"
        if [ "$required" = true ]; then
            say "RLOG_AGENT_REQUIRED=true: stopping the application (SIGTERM)"
            forward TERM
        fi
        previous=$app_code
        continue
    fi
    if { [ -n "$signalled" ] || [ -n "$child_exited" ]; } && [ "$app_code" -gt 128 ] && kill -0 "$app_pid" 2>/dev/null; then
        previous=$app_code
        continue
    fi
    break
done
trap - CHLD

if agent_gone; then
    say "application exited with $app_code; rlog-agent had already exited with $agent_code"
    if [ "$required" = true ] && [ "$app_code" -eq 0 ] && [ "$agent_code" -ne 0 ]; then
        exit "$agent_code"
    fi
    exit "$app_code"
fi
say "application exited with $app_code; stopping rlog-agent (pid $agent_pid) in ${settle} s, ${grace} s to drain"

# Not synchronisation with the agent (nothing to poll in it): a bounded allowance for the reading
# of lines written just before the application exited.
sleep "$settle" 2>/dev/null || sleep 1
kill -s "$stop_signal" "$agent_pid" 2>/dev/null || :
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
