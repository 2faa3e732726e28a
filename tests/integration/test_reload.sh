#!/bin/bash
# A valid reload applied while traffic flows: endpoints added start,
# removed ones stop answering and their connections are reset, unchanged
# ones keep their live connections intact.
. "$(dirname "$0")/../lib/prelude.sh" topo nginx ppv2 drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
client() { in_cons python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }

check "before: the Rejected endpoint's address 10.0.0.9 answers ping" in_cons ping -c 1 -W 2 -q 10.0.0.9
# The upload stops halfway until the gate file appears, after the reload.
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 3000000 1 >"$TOPO_DIR/slow.out" 2>&1 &
slow=$!
check "a paced 3 MB upload through raw-pe is under way" wait_status 'ep["raw-pe"]["live_connections"] == 1'

# One drop change: add new-pe, remove rejected-pe, leave the rest.
n=$(applied)
cat >>"$DROP/30-endpoints.ini" <<'INI'

[endpoint new-pe]
nic = consumer0
ip = 10.0.0.10
service = raw
link_id = 10
INI
sed -i '/^\[endpoint rejected-pe\]/,/^link_id = 9$/d' "$DROP/30-endpoints.ini"
sed -i '/^\[approval rejected-pe\]/,$d' "$DROP/40-approvals.ini"
printf '\n[approval new-pe]\nstate = Approved\n' >>"$DROP/40-approvals.ini"
"$PRIVLINKD" -t -c "$DROP" >/dev/null || not_ok "the edited drop is valid" "$("$PRIVLINKD" -t -c "$DROP" 2>&1)"
check "the change is applied (inotify)" wait_applied "$n"
check "the log names the added and the removed endpoint" \
	sh -c "grep -q 'endpoint new-pe: added, Approved' '$LOG' && grep -q 'endpoint rejected-pe: removed' '$LOG'"
out=$(client sink 10.0.0.10 443 100000 2)
check "the added endpoint carries data" json_ok "$out"
check "the removed endpoint's address no longer answers" sh -c "! ip netns exec '$P-cons' ping -c 1 -W 1 -q 10.0.0.9"
body=$(in_cons curl -sS --max-time 10 --local-port 40555 http://10.0.0.5:443/ 2>&1)
check_eq "an unchanged endpoint serves on" "$body" "10.0.0.7:40555"
check "the paced upload was still running when the change was applied" kill -0 $slow
touch "$TOPO_DIR/slow.gate"
wait $slow
check "the upload running across the reload arrived intact (sha256 of 3 MB)" json_ok "$(cat "$TOPO_DIR/slow.out")"

# Removing an endpoint resets its live connections.
ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.10 443 100000000 3 \
	>"$TOPO_DIR/hold.out" 2>&1 &
hold=$!
check "a long upload through new-pe is under way" wait_status 'ep["new-pe"]["live_connections"] == 1'
n=$(applied)
sed -i '/^\[endpoint new-pe\]/,$d' "$DROP/30-endpoints.ini"
sed -i '/^\[approval new-pe\]/,$d' "$DROP/40-approvals.ini"
check "the removal is applied" wait_applied "$n"
wait $hold
check "the removed endpoint's live upload was reset" json_ok "$(cat "$TOPO_DIR/hold.out")"
status=$(privlinkd_status)
check_eq "the status lists the remaining endpoints and counts" \
	"$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(sorted(e["name"] for e in s["endpoints"]), {e["name"]: e["accepted"] for e in s["endpoints"]}["raw-pe"], s["connections"]["live"])' "$status" 2>&1)" \
	"['pending-pe', 'raw-pe', 'web-pe'] 1 0"

# Deleting a service: its endpoints become Disconnected, their live
# connections are reset, and later reloads stay valid.
ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.6 443 100000000 4 \
	>"$TOPO_DIR/hold2.out" 2>&1 &
hold=$!
check "a long upload through raw-pe is under way" wait_status 'ep["raw-pe"]["live_connections"] == 1'
n=$(applied)
sed -i '/^\[service raw\]/,$d' "$DROP/20-services.ini"
check "the deletion of service raw is applied" wait_applied "$n"
wait $hold
check "the live upload of an endpoint whose service was deleted was reset" \
	json_ok "$(cat "$TOPO_DIR/hold2.out")"
check_eq "its endpoints are Disconnected, not listening, and still name the service" \
	"$(privlinkd_status | python3 -c 'import json,sys; s=json.load(sys.stdin); print([(e["name"], e["state"], e["listening"], e["service"]) for e in s["endpoints"] if e["name"] in ("raw-pe", "pending-pe")])' 2>&1)" \
	"[('raw-pe', 'Disconnected', False, 'raw'), ('pending-pe', 'Disconnected', False, 'raw')]"
check "the log says so" grep -q "endpoint raw-pe: Approved -> Disconnected" "$LOG"
out=$(client sink 10.0.0.6 443 1000 5)
check "a Disconnected endpoint refuses new connections" test $? -ne 0
n=$(applied)
printf '; touched\n' >>"$DROP/40-approvals.ini"
check "a later reload with the endpoints still Disconnected is valid" wait_applied "$n"

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
