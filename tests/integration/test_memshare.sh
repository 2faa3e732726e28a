#!/bin/bash
# A memory share per tenant: tenant A floods uploads into its endpoint
# whose backend never reads, enough to hold far more than memory_limit;
# near the limit A is shed (its windows stay closed, its data dropped at
# the NIC driver) while tenant B, on another consumer NIC, still uploads
# 2 MB intact.  Once A lets go, what it held is freed and it is no longer
# shed.
. "$(dirname "$0")/../lib/prelude.sh" san tenants=16M

HOLD=$TOPO_DIR/flood.hold
ep_field() { privlinkd_status | python3 -c 'import json,sys; s=json.load(sys.stdin); print({e["name"]: e for e in s["endpoints"]}[sys.argv[1]][sys.argv[2]])' "$@"; }

in_cons timeout 120 python3 "$ROOT/tests/lib/flood_upload.py" 10.0.0.12 443 100 6 "$HOLD" \
	>"$TOPO_DIR/flood.out" 2>&1 &
flood=$!
for i in $(seq 100); do [ -s "$TOPO_DIR/flood.out" ] && break; sleep 0.1; done
check "tenant A's 100 uploads into a backend that never reads ran" \
	json_true "$(head -1 "$TOPO_DIR/flood.out")" 'r["connected"] == 100 and r["sent"] > 16 * 2**20'
status=$(privlinkd_status)
check "A was shed near the limit, and held no more than the limit" json_true "$status" \
	'[e for e in r["endpoints"] if e["name"] == "a-stall-pe"][0]["times_shed"] > 0 and r["memory"]["held_bytes"] <= r["memory"]["limit_bytes"]'
check "A's data was dropped at the NIC driver while shed" json_true "$status" \
	'[n for n in r["nics"] if n["name"] == "consumer0"][0]["rx_dropped_shed"] > 0'
out=$(in_cons2 timeout 60 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 2000000 5 2>&1)
check "meanwhile tenant B's 2 MB upload arrives intact" json_ok "$out"
out=$(in_cons2 timeout 30 python3 "$ROOT/tests/lib/tenant_probe.py" 3 10.0.0.6 443 100000 6 2>&1)
check "and B's short connections complete" json_true "$out" 'r["big_ok"] and r["short_ok"] > 0 and r["short_failed"] == 0'
touch "$HOLD"
wait $flood
ok_free() { [ "$(ep_field a-stall-pe memory_held)" = 0 ] && [ "$(ep_field a-stall-pe shed)" = False ]; }
for i in $(seq 50); do ok_free && break; sleep 0.2; done
check "once A let go, it holds nothing and is no longer shed" ok_free
out=$(in_cons timeout 30 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 1000000 7 2>&1)
check "A's other endpoint carries data again" json_ok "$out"
tenants_capture_stop
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
