#!/bin/bash
# VLANs change live (issue 16): one reload adds a VLAN of the trunk and an
# untagged NIC, and removes another VLAN, while paced 10 MB uploads on an
# untouched NIC and an untouched VLAN run across it and arrive intact; the
# removed VLAN's connection is reset and counted, its addresses stop
# answering at once, and its frames are then counted as a VLAN no NIC
# names.  The trunk is tr0, tagged by tests/tools/vlan_switch.
. "$(dirname "$0")/../lib/prelude.sh" topo cons2 ppv2 drop vlan_topo.sh
at_exit vlan_topo_down

vlan_topo_up 3 10 || { not_ok "three VLANs (10, 11, 12) on the trunk tr0"; exit 1; }
cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
# vlan_nic VID LINK: the NIC of VLAN VID on tr0 (10.0.0.5/24 on every
# VLAN, as consumer0) and its Approved endpoint 10.0.0.6 of service raw.
vlan_nic() {
	printf '[nic v%s]\ninterface = tr0\nvlan = %s\naddress = 10.0.0.5/24\nrole = consumer\n\n' "$1" "$1"
	printf '[endpoint v%s-pe]\nnic = v%s\nip = 10.0.0.6\nservice = raw\nlink_id = %s\n\n' "$1" "$1" "$2"
	printf '[approval v%s-pe]\nstate = Approved\n' "$1"
}
vlan_nic 10 1010 >"$DROP/50-v10.ini"
vlan_nic 11 1011 >"$DROP/51-v11.ini"
printf '[approval raw-pe]\nstate = Approved\n' >"$DROP/45-raw.ini"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
nic_resets() { privlinkd_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_reload"]["nic_resets"])'; }
client() { local ns=$1; shift; ip netns exec "$ns" python3 "$ROOT/tests/lib/ppv2_client.py" "$@" 2>&1; }
# answers NS IP: does IP answer ARP (the namespace forgets what it learnt
# first) and ping from NS?
answers() {
	ip netns exec "$1" ip neigh flush dev c0
	ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

check "VLAN 10's endpoint carries data" json_ok "$(client "$P-v10" sink 10.0.0.6 443 100000 1)"
check "VLAN 11's endpoint carries data" json_ok "$(client "$P-v11" sink 10.0.0.6 443 100000 2)"
check "VLAN 12, no NIC yet, gets no answer" sh -c "! ip netns exec '$P-v12' ping -c 1 -W 1 -q 10.0.0.5"
# The untouched networks' uploads stop halfway until the gate appears.
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 10000000 3 >"$TOPO_DIR/slow0.out" 2>&1 &
slow0=$!
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-v10" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 10000000 4 >"$TOPO_DIR/slow10.out" 2>&1 &
slow10=$!
ip netns exec "$P-v11" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.6 443 100000000 5 \
	>"$TOPO_DIR/hold11.out" 2>&1 &
hold11=$!
check "paced 10 MB uploads on consumer0 and VLAN 10 and a long one on VLAN 11 are under way" \
	wait_status 'ep["raw-pe"]["live_connections"] == 1 and ep["v10-pe"]["live_connections"] == 1 and ep["v11-pe"]["live_connections"] == 1'

# One reload: VLAN 12 and consumer1 (untagged, pe1) come, VLAN 11 goes.
n=$(applied)
rm "$DROP/51-v11.ini"
vlan_nic 12 1012 >"$DROP/52-v12.ini"
printf '[nic consumer1]\ninterface = pe1\naddress = 10.0.0.5/24\nrole = consumer\n\n[endpoint c1-pe]\nnic = consumer1\nip = 10.0.0.6\nservice = raw\nlink_id = 77\n\n[approval c1-pe]\nstate = Approved\n' \
	>"$DROP/53-consumer1.ini"
check "the new drop is valid" "$PRIVLINKD" -t -c "$DROP"
kill -HUP "$PRIVLINKD_PID"
check "the reload is applied" wait_applied "$n"
check "the log says v11 was removed, v12 and consumer1 added" \
	sh -c "grep -q 'nic v11: removed' '$LOG' && grep -q 'nic v12: added' '$LOG' && grep -q 'nic consumer1: added' '$LOG'"
wait $hold11
check "the removed VLAN's live upload was reset" json_ok "$(cat "$TOPO_DIR/hold11.out")"
check_eq "it is counted in last_reload.nic_resets" "$(nic_resets)" 1
check "the removed VLAN's addresses no longer answer ARP or ping" \
	sh -c "! { $(declare -f answers); answers '$P-v11' 10.0.0.5 || answers '$P-v11' 10.0.0.6; }"
check "nor TCP" sh -c "! ip netns exec '$P-v11' timeout 3 bash -c 'exec 3<>/dev/tcp/10.0.0.6/443'"
check "its frames are now counted as a VLAN no NIC names" \
	wait_status 's["links"]["rx_dropped_no_nic"] > 0'
check "the added VLAN's own address answers" answers "$P-v12" 10.0.0.5
body=$(client "$P-v12" sink 10.0.0.6 443 100000 6)
check "the added VLAN's endpoint carries data" json_ok "$body"
check "the added NIC's endpoint carries data" json_ok "$(client "$P-cons2" sink 10.0.0.6 443 100000 7)"
check "the status lists the NICs by name, each with its VLAN" \
	wait_status 'sorted((n["name"], n["vlan"]) for n in s["nics"]) == [("consumer0", 0), ("consumer1", 0), ("provider0", 0), ("v10", 10), ("v12", 12)]'

check "the uploads on consumer0 and VLAN 10 were still running after the reload" \
	kill -0 $slow0 $slow10
touch "$TOPO_DIR/slow.gate"
wait $slow0
check "consumer0's upload arrived intact (sha256 of 10 MB)" json_ok "$(cat "$TOPO_DIR/slow0.out")"
wait $slow10
check "VLAN 10's upload arrived intact (sha256 of 10 MB)" json_ok "$(cat "$TOPO_DIR/slow10.out")"
check_eq "nothing on the untouched networks was counted as reset" "$(nic_resets)" 1

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
tap_done
