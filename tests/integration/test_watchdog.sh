#!/bin/bash
# The watchdog on a host: with [appliance] watchdog = 2s an idle privlinkd
# keeps running well past the period (its loop makes rounds while idle),
# and a loop stalled on purpose (SIGUSR2 with debug_commands = on: a busy
# spin) is aborted (SIGABRT, for its supervisor to restart it) with a log
# line saying the loop stalled.  Without debug_commands SIGUSR2 does
# nothing; a reload can turn the watchdog off.
. "$(dirname "$0")/../lib/prelude.sh" topo nginx drop
ulimit -c 0		# the abort is expected: no core file

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
appliance() {	# KEY = VALUE lines for [appliance], after the demo's own
	{ cat "$ROOT/config/examples/demo/00-appliance.ini"; printf '%s\n' "$@"; } >"$DROP/00-appliance.ini"
}
curl_ok() {	# PORT: a request through web-pe gets nginx's answer
	[ "$(in_cons curl -sS --max-time 10 --local-port "$1" http://10.0.0.5:443/ 2>&1)" = "10.0.0.7:$1" ]
}
# wait_exit SECONDS: 0 once privlinkd exited (its status in EXIT_RC).
wait_exit() {
	local i
	for i in $(seq $(($1 * 10))); do
		if ! kill -0 "$PRIVLINKD_PID" 2>/dev/null; then
			wait "$PRIVLINKD_PID"
			EXIT_RC=$?
			PRIVLINKD_PID=""
			return 0
		fi
		sleep 0.1
	done
	return 1
}
wait_log() {
	local i
	for i in $(seq 100); do grep -q "$1" "$LOG" && return 0; sleep 0.1; done
	return 1
}

# --- 1. watchdog = 2s and the debug trigger on.
appliance "watchdog = 2s" "debug_commands = on"
check "privlinkd -t accepts watchdog = 2s, debug_commands = on" \
	bash -c "'$PRIVLINKD' -t -c '$DROP' | grep -qx 'configuration OK'"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
check "it says what the watchdog does" \
	grep -q 'watchdog: 2 s without an event loop round aborts privlinkd' "$LOG"
# Idle for three periods: no traffic, no timer of its own due: the loop
# must still make rounds, or the watchdog would take it for stalled.
sleep 6
check "idle for 3 watchdog periods, it still runs" privlinkd_alive
check "and serves: curl through web-pe" curl_ok 40301
check "no stall was reported" bash -c "! grep -q 'made no round' '$LOG'"

kill -USR2 "$PRIVLINKD_PID"
if wait_exit 30; then
	check_eq "SIGUSR2 stalls the loop; the watchdog aborts privlinkd (SIGABRT: status 134)" \
		"$EXIT_RC" 134
else
	not_ok "SIGUSR2 stalls the loop; the watchdog aborts privlinkd within 30 s"
	kill -KILL "$PRIVLINKD_PID" 2>/dev/null
	wait "$PRIVLINKD_PID" 2>/dev/null
	PRIVLINKD_PID=""
fi
check "the log says the loop was made to stall" \
	grep -q 'signal SIGUSR2: debug: the event loop stalls now' "$LOG"
check "the log says the loop stalled and privlinkd aborts" \
	grep -q 'watchdog: the event loop made no round for 2 s: aborting' "$LOG"
[ "$tap_failed" -gt 0 ] && sed 's/^/#   /' "$LOG"

# --- 2. the supervisor's restart: the same drops serve again.
mv "$LOG" "$LOG.1"
start_privlinkd "$DROP" && ok "restarted, privlinkd is ready again" || not_ok "restarted, privlinkd is ready again"
check "it serves again: curl through web-pe" curl_ok 40302

# --- 3. without debug_commands, SIGUSR2 is ignored (said in the log).
n=$(grep -c 'reload: configuration applied' "$LOG")
appliance "watchdog = 2s"
kill -HUP "$PRIVLINKD_PID"
for _ in $(seq 50); do [ "$(grep -c 'reload: configuration applied' "$LOG")" -gt "$n" ] && break; sleep 0.1; done
kill -USR2 "$PRIVLINKD_PID"
check "debug_commands off: SIGUSR2 is ignored, with a reason" \
	wait_log 'signal SIGUSR2: ignored: the debug stall needs \[appliance\] debug_commands = on'
sleep 3
check "... and privlinkd keeps running and serving past the watchdog period" \
	bash -c "kill -0 $PRIVLINKD_PID && $(declare -f in_cons curl_ok); P=$P; curl_ok 40303"

# --- 4. a reload turns the watchdog off.
appliance "watchdog = off"
kill -HUP "$PRIVLINKD_PID"
check "a reload to watchdog = off says so" wait_log 'watchdog: off'
stop_privlinkd
check_eq "a clean stop exits 0" "$?" 0

tap_done
