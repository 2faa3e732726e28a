#!/bin/bash
# NICs change live (issue 16): reloads remove a NIC, add one with an
# endpoint and edit one while a paced upload on an untouched NIC runs
# across them and arrives intact; the removed or edited NIC's connections
# are reset and counted, and its addresses stop answering at once.
. "$(dirname "$0")/../lib/prelude.sh" topo cons2 ppv2 drop

cp "$ROOT"/config/examples/demo/*.ini "$DROP/"
# nic1 IF ADDR EP_IP: the second consumer network's NIC and one Approved
# endpoint of service raw on it.
nic1() {
	printf '[nic consumer1]\ninterface = %s\naddress = %s\nrole = consumer\n\n' "$1" "$2"
	printf '[endpoint b-pe]\nnic = consumer1\nip = %s\nservice = raw\nlink_id = 77\n\n' "$3"
	printf '[approval b-pe]\nstate = Approved\n'
}
nic1 pe1 10.0.0.5/24 10.0.0.6 >"$DROP/50-consumer1.ini"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
reload_to() {
	local n
	n=$(applied)
	"$PRIVLINKD" -t -c "$DROP" >/dev/null 2>&1 ||
		not_ok "$1: the drop is valid" "$("$PRIVLINKD" -t -c "$DROP" 2>&1)"
	kill -HUP "$PRIVLINKD_PID"
	check "$1: applied" wait_applied "$n"
}
nic_resets() { privlinkd_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_reload"]["nic_resets"])'; }
# answers2 IP: does IP answer ARP (the second network's kernel forgets
# what it learnt first) and ping from the second consumer network?
answers2() {
	in_cons2 ip neigh flush dev c0
	in_cons2 ping -c 1 -W 1 -q "$1" >/dev/null 2>&1
}
# silent2 IP...: none of them answers (answers2).
silent2() {
	local ip
	for ip; do answers2 "$ip" && return 1; done
	return 0
}
sink2() { in_cons2 python3 "$ROOT/tests/lib/ppv2_client.py" sink "$@" 2>&1; }

check "b-pe on consumer1 carries data" json_ok "$(sink2 10.0.0.6 443 100000 1)"
# The untouched NIC's upload stops halfway until the gate file appears.
PPV2_GATE=$TOPO_DIR/slow.gate ip netns exec "$P-cons" python3 "$ROOT/tests/lib/ppv2_client.py" \
	slow 10.0.0.6 443 10000000 2 >"$TOPO_DIR/slow.out" 2>&1 &
slow=$!
ip netns exec "$P-cons2" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.6 443 100000000 3 \
	>"$TOPO_DIR/hold1.out" 2>&1 &
hold=$!
check "a paced 10 MB upload on consumer0 and a long one on consumer1 are under way" \
	wait_status 'ep["raw-pe"]["live_connections"] == 1 and ep["b-pe"]["live_connections"] == 1'

# 1: consumer1 goes, with its endpoint.
rm "$DROP/50-consumer1.ini"
reload_to "remove consumer1"
check "the log says consumer1 was removed" grep -q "nic consumer1: removed" "$LOG"
wait $hold
check "the removed NIC's live upload was reset" json_ok "$(cat "$TOPO_DIR/hold1.out")"
check_eq "it is counted in last_reload.nic_resets" "$(nic_resets)" 1
check "the removed NIC's addresses no longer answer ARP or ping" \
	silent2 10.0.0.5 10.0.0.6
check "nor TCP" sh -c "! ip netns exec '$P-cons2' timeout 3 bash -c 'exec 3<>/dev/tcp/10.0.0.6/443'"
check "the status no longer lists consumer1" \
	wait_status '[n["name"] for n in s["nics"]] == ["consumer0", "provider0"]'
check "consumer0's upload runs on" wait_status 'ep["raw-pe"]["live_connections"] == 1'

# 2: consumer1 comes back on pe1, another address, its endpoint with it.
nic1 pe1 10.0.0.5/24 10.0.0.16 >"$DROP/50-consumer1.ini"
reload_to "add consumer1 with an endpoint"
check "the log says consumer1 was added" grep -q "nic consumer1: added" "$LOG"
check "the added NIC's endpoint carries data" json_ok "$(sink2 10.0.0.16 443 100000 4)"
check "its own address answers ARP and ping" answers2 10.0.0.5
ip netns exec "$P-cons2" python3 "$ROOT/tests/lib/ppv2_client.py" hold 10.0.0.16 443 100000000 5 \
	>"$TOPO_DIR/hold2.out" 2>&1 &
hold=$!
check "a long upload on the added NIC is under way" wait_status 'ep["b-pe"]["live_connections"] == 1'

# 3: consumer1 edited (its own address), its endpoint unchanged.
nic1 pe1 10.0.0.4/24 10.0.0.16 >"$DROP/50-consumer1.ini"
reload_to "edit consumer1's address"
check "the log says consumer1 was edited" grep -q "nic consumer1: edited" "$LOG"
wait $hold
check "the edited NIC's live upload was reset" json_ok "$(cat "$TOPO_DIR/hold2.out")"
check_eq "it is counted too" "$(nic_resets)" 2
check "the edited NIC's old address no longer answers" silent2 10.0.0.5
check "its new address answers" answers2 10.0.0.4
check "its endpoint carries data again" json_ok "$(sink2 10.0.0.16 443 100000 6)"

check "the upload on consumer0 was still running after the NIC reloads" kill -0 $slow
touch "$TOPO_DIR/slow.gate"
wait $slow
check "the upload on the untouched NIC arrived intact (sha256 of 10 MB)" json_ok "$(cat "$TOPO_DIR/slow.out")"
check_eq "no connection of the untouched NIC was counted as reset" "$(nic_resets)" 2

stop_privlinkd
check_eq "SIGTERM stops privlinkd with status 0" "$?" 0
# Only the sanitized build (PRIVLINKD=build/privlinkd-san) writes reports.
check_no_sanitizer_report "$LOG"
tap_done
