#!/bin/bash
# An HTTP probe whose answer ends inside its status line: a backend that
# answered "HTTP/1.1 200 OK" before and now sends just "HTTP/1." and closes
# must fail its probes and go down (nothing of an earlier answer may be
# read as this one's status).
. "$(dirname "$0")/../lib/prelude.sh" topo drop
at_exit 'kill "$BACKEND_PID" 2>/dev/null'
BACKEND_PID=""

in_prov python3 "$ROOT/tests/lib/short_reply_backend.py" 192.168.10.11 8080 "$TOPO_DIR/short" 40 \
	>"$TOPO_DIR/backend.log" 2>&1 &
BACKEND_PID=$!

cp "$ROOT/config/examples/demo/00-appliance.ini" "$ROOT/config/examples/demo/10-nics.ini" "$DROP/"
cat >"$DROP/20-web.ini" <<'INI'
[pool web]
backend = 192.168.10.11:8080
probe = http
probe_path = /health
probe_interval = 200ms
probe_timeout = 200ms
probe_rise = 1
probe_fall = 2

[service web]
rule = 443 -> web
nat_ip = 192.168.10.201

[endpoint web-pe]
nic = consumer0
ip = 10.0.0.101
service = web
link_id = 1

[approval web-pe]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }

# state_is STATE [LAST_PROBE]: the backend's state (and last probe) in the status.
state_is() {
	privlinkd_status | python3 -c '
import json, sys
b = json.load(sys.stdin)["pools"][0]["backends"][0]
sys.exit(0 if b["state"] == sys.argv[1] and sys.argv[2] in b["last_probe"] else 1)' "$1" "${2:-}"
}
wait_state() {
	local i
	for i in $(seq 50); do state_is "$@" && return 0; sleep 0.2; done
	privlinkd_status | sed 's/^/#   /'
	return 1
}
check "the backend comes up on whole answers (HTTP 200)" wait_state up "HTTP 200"
touch "$TOPO_DIR/short"
for i in $(seq 50); do grep -q short "$TOPO_DIR/backend.log" && break; sleep 0.2; done
check "the backend now answers probes with just 'HTTP/1.' and closes" grep -q short "$TOPO_DIR/backend.log"
check "a cut-off status line fails the probe: the backend goes down" \
	wait_state down "not an HTTP status line"
check "privlinkd is still running" privlinkd_alive
tap_done
