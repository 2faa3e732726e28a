#!/bin/bash
# What happens around the data path: a backend that refuses or does not
# answer, approval changes and a bad drop on SIGHUP, and the whole run
# under AddressSanitizer/LeakSanitizer (build/privlinkd-san).
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2 drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
cat >"$DROP/25-broken-backends.ini" <<'INI'
; nothing listens on 9001: the backend refuses
[service refused]
frontend_port = 443
backend = 192.168.10.11:9001
nat_ip = 192.168.10.201

; no host has 192.168.10.99: the backend never answers
[service silent]
frontend_port = 443
backend = 192.168.10.99:9000
nat_ip = 192.168.10.201

[endpoint refused-pe]
nic = consumer0
ip = 10.0.0.20
service = refused
link_id = 20

[endpoint silent-pe]
nic = consumer0
ip = 10.0.0.21
service = silent
link_id = 21

[approval refused-pe]
state = Approved

[approval silent-pe]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd (sanitized) starts"; exit 1; }
ok "privlinkd built with ASan+UBSan is ready"
client() { in_cons python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }
wait_log() {
	local i
	for i in $(seq 100); do grep -q "$1" "$LOG" && return 0; sleep 0.1; done
	return 1
}

out=$(in_cons curl -sS --max-time 20 http://10.0.0.20:443/ 2>&1)
rc=$?
case $rc in
7|52|56) ok "a refusing backend resets the consumer (curl exit $rc)" ;;
*) not_ok "a refusing backend resets the consumer" "curl exit $rc: $out" ;;
esac
out=$(in_cons curl -sS --max-time 30 http://10.0.0.21:443/ 2>&1)
rc=$?
case $rc in
7|52|56) ok "a backend that never answers resets the consumer after the connect timeout (curl exit $rc)" ;;
*) not_ok "a backend that never answers resets the consumer after the connect timeout" "curl exit $rc: $out" ;;
esac

# Approve the Pending endpoint by dropping a file.
out=$(client sink 10.0.0.8 443 1000 5)
check "Pending endpoint 10.0.0.8 refuses before approval" test $? -ne 0
printf '[approval pending-pe]\nstate = Approved\nmessage = approved by test\n' >"$DROP/50-approve.ini"
kill -HUP "$PRIVLINKD_PID"
check "SIGHUP applies the approval" wait_log "pending-pe: Pending -> Approved: approved by test"
out=$(client sink 10.0.0.8 443 100000 6)
check "the newly approved endpoint carries data" json_ok "$out"

# A long-running upload is cut when the endpoint is Rejected.
client hold 10.0.0.8 443 20000000 7 >"$TOPO_DIR/hold.out" &
hold=$!
check "the long-running upload is under way" wait_status 'ep["pending-pe"]["live_connections"] == 1'
printf '[approval pending-pe]\nstate = Rejected\nmessage = revoked\n' >"$DROP/60-reject.ini"
kill -HUP "$PRIVLINKD_PID"
check "SIGHUP applies the rejection" wait_log "pending-pe: Approved -> Rejected: revoked"
wait "$hold"
check "the live transfer of a rejected endpoint is reset at once" json_ok "$(cat "$TOPO_DIR/hold.out")"
out=$(client sink 10.0.0.8 443 1000 8)
check "the rejected endpoint refuses new connections" test $? -ne 0

# A bad drop is refused whole; the running configuration stays.
printf '[approval pending-pe]\nstate = Approved\n\n[service web]\nfrontend_port = 99999\n' >"$DROP/70-bad.ini"
kill -HUP "$PRIVLINKD_PID"
check "a bad drop on reload is reported as file:line" \
	wait_log "$DROP/70-bad.ini:4: \[service web\]: duplicate \[service web\]"
check "the bad reload keeps the running configuration" \
	wait_log "reload: .* in $DROP: keeping the running configuration"
out=$(client sink 10.0.0.8 443 1000 9)
check "after the bad reload the rejected endpoint still refuses" test $? -ne 0
out=$(client sink 10.0.0.6 443 100000 10)
check "after the bad reload the approved endpoint still serves" json_ok "$out"

status=$(privlinkd_status)
check_eq "the status counts the refused and the silent backend, and the cut transfer" \
	"$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); e=s["connections"]["events"]; p={x["name"]: x for x in s["endpoints"]}["pending-pe"]; print(e["backend_refused"], e["backend_timeout"], p["cut"], p["state"], p["message"])' "$status" 2>&1)" \
	"1 1 1 Rejected revoked"

stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
if grep -Eq 'Sanitizer|runtime error' "$LOG"; then
	not_ok "no AddressSanitizer, LeakSanitizer or UBSan report" "$(grep -E -A5 'Sanitizer|runtime error' "$LOG" | head -20)"
else
	ok "no AddressSanitizer, LeakSanitizer or UBSan report"
fi
tap_done
