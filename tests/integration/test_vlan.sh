#!/bin/bash
# 200 consumer networks as 802.1Q VLANs on one trunk (issue 16): VLANs
# 100-299 behind tests/tools/vlan_switch on ${P}-appl's tr0, each a
# namespace with the SAME client 10.0.0.7, each a [nic cVID] of its own
# with the same 10.0.0.1/24 and an endpoint 10.0.0.5 with its own link id
# (VID * 256 + 5), one service on the provider side (ppv2_backend.py):
#
#   ${P}-v100..v299, v301: c0 10.0.0.7 ─ vlan_switch ══ tr0 privlinkd pv0 ── p0 192.168.10.11:9000
#   ${P}-v300: a VLAN the switch carries and no NIC names
#
# All 200 are served at once, each with its own link id and source in
# PROXY v2; VLAN 301's endpoint 10.0.0.5, Pending, refuses meanwhile;
# 10.0.0.6, an endpoint of VLAN 100 only, gets no answer (not even ARP)
# from other VLANs; nothing a consumer sends to the provider network
# leaves pv0; frames of VLAN 300, untagged and priority-tagged ones on the
# trunk are counted in links.rx_dropped_no_nic; the status lists each NIC
# with its VLAN; 10 MB each way on two VLANs at once from the same client
# address and port arrive intact, and with the offloads off (full-size
# tagged frames).  privlinkd runs under ASan and UBSan.
. "$(dirname "$0")/../lib/prelude.sh" san topo ppv2 drop vlan_topo.sh
at_exit vlan_topo_down
FIRST=100 LAST=299 NOVLAN=300 PENDING=301
NBYTES=65536
LIB=$ROOT/tests/lib

vlan_topo_up $((PENDING - FIRST + 1)) $FIRST || { not_ok "VLANs $FIRST-$PENDING up on the trunk tr0"; exit 1; }
ok "VLANs $FIRST-$PENDING up on the trunk tr0, 10.0.0.7 in each"
python3 "$LIB/vlan_drop.py" "$DROP" $FIRST $((PENDING - FIRST + 1)) --skip $NOVLAN \
	--extra $FIRST:10.0.0.6 --pending $PENDING --appliance "$ROOT/config/examples/demo/00-appliance.ini" ||
	{ not_ok "the drop is written"; exit 1; }
out=$("$PRIVLINKD" -t -c "$DROP" 2>&1)
check_eq "privlinkd -t: 201 consumer NICs on one trunk are valid" "$(tail -n 1 <<<"$out")" "configuration OK"
start_privlinkd "$DROP" || { not_ok "privlinkd starts"; exit 1; }
ok "privlinkd starts with 201 VLAN NICs on tr0"
st() { privlinkd_status | python3 -c '
import json, sys
s = json.load(sys.stdin)
nic = {n["name"]: n for n in s["nics"]}
ep = {e["name"]: e for e in s["endpoints"]}
print(eval(sys.argv[1]))' "$1"; }

check_eq "the status lists each NIC with its VLAN and the trunk" \
	"$(st 'sorted((n["vlan"], n["interface"]) for n in s["nics"] if n["name"] == "c%d" % n["vlan"]) == [(v, "tr0") for v in list(range('$FIRST', '$LAST' + 1)) + ['$PENDING']] and nic["provider0"]["vlan"] == 0')" True

# Every VLAN at once: one connection from 10.0.0.7:(40000 + VID) to its
# own 10.0.0.5:443, all open together (half sent) before any finishes.
JOBS=$TOPO_DIR/jobs
for v in $(seq $FIRST $LAST); do echo "$P-v$v 10.0.0.5 443 $((40000 + v)) $v"; done >"$JOBS"
GATE=$TOPO_DIR/gate
python3 "$LIB/vlan_clients.py" "$JOBS" $NBYTES "$GATE" >"$TOPO_DIR/clients.out" 2>&1 &
clients=$!
for i in $(seq 300); do grep -q '^held' "$TOPO_DIR/clients.out" && break; sleep 0.1; done
check_eq "200 VLANs: 200 connections open at once" "$(sed -n 's/^held //p' "$TOPO_DIR/clients.out")" 200
check_eq "the appliance holds them all, one on each VLAN's endpoint" \
	"$(st '(s["connections"]["live"], sorted(e["name"] for e in s["endpoints"] if e["live_connections"] == 1) == sorted("e%d-5" % v for v in range('$FIRST', '$LAST' + 1)))')" \
	"(200, True)"
# Meanwhile the Pending endpoint of VLAN 301, the same 10.0.0.5 as its
# neighbours', answers ping but refuses TCP.
check "VLAN $PENDING: its Pending endpoint 10.0.0.5 answers ping" in_vlan $PENDING ping -c 1 -W 2 -q 10.0.0.5
out=$(in_vlan $PENDING python3 "$LIB/tcp_probe.py" 10.0.0.5 443 3)
check_eq "VLAN $PENDING: its Pending endpoint refuses a connection while 200 neighbours are served" \
	"$(json "$out" 'r["result"]')" refused
touch "$GATE"
wait $clients
res=$(tail -n 1 "$TOPO_DIR/clients.out")
check_eq "all 200 sent and got back the sha256 of their 64 KiB" "$(json "$res" '(r["ok"], r["failed"])')" "(200, [])"
for i in $(seq 50); do [ "$(wc -l <"$PPV2_LOG")" -ge 200 ] && break; sleep 0.1; done
check_eq "the backend saw each VLAN once, its link id (VID * 256 + 5) with its source 10.0.0.7:(40000 + VID) -> 10.0.0.5:443" \
	"$(python3 - "$PPV2_LOG" $FIRST $LAST $NBYTES <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
first, last, n = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bad = [r for r in recs if r.get("error") or r.get("src") != "10.0.0.7" or r.get("dst") != "10.0.0.5"
       or r.get("dport") != 443 or r.get("link_id", 0) % 256 != 5
       or r.get("sport") != 40000 + r.get("link_id", 0) // 256 or r.get("bytes") != n]
vids = sorted(r.get("link_id", 0) // 256 for r in recs)
print("records %d, bad %s, every VLAN once: %s" % (len(recs), bad[:3], vids == list(range(first, last + 1))))
PY
)" "records 200, bad [], every VLAN once: True"

# Two VLANs at once, 10 MB each way, from the same 10.0.0.7:40999 to the
# same 10.0.0.5:443 (GSO super-frames both ways: tagged on transmit, the
# checksum offsets moved by the tag).
MB10=10485760
n=$(wc -l <"$PPV2_LOG")
in_vlan 120 python3 "$LIB/ppv2_client.py" both 10.0.0.5 443 $MB10 21 40999 >"$TOPO_DIR/b120.out" 2>&1 &
b120=$!
in_vlan 280 python3 "$LIB/ppv2_client.py" both 10.0.0.5 443 $MB10 22 40999 >"$TOPO_DIR/b280.out" 2>&1 &
b280=$!
wait $b120; r120=$?
wait $b280; r280=$?
check_eq "VLANs 120 and 280: 10 MB each way at once from the same 10.0.0.7:40999 arrive intact" "$r120 $r280" "0 0"
for i in $(seq 50); do [ "$(wc -l <"$PPV2_LOG")" -ge $((n + 2)) ] && break; sleep 0.1; done
check_eq "the backend saw both, each with its VLAN's link id" \
	"$(tail -n +$((n + 1)) "$PPV2_LOG" | python3 -c 'import json,sys; print(sorted((json.loads(l).get("link_id"), json.loads(l).get("sport"), json.loads(l).get("bytes")) for l in sys.stdin))')" \
	"[($((120 * 256 + 5)), 40999, $MB10), ($((280 * 256 + 5)), 40999, $MB10)]"
# A reset that left by another VLAN would leave this SYN unanswered.
out=$(in_vlan 250 python3 "$LIB/tcp_probe.py" 10.0.0.5 8080 5)
check "VLAN 250: a closed port's reset comes back on VLAN 250 at once" \
	json_true "$out" 'r["result"] == "refused" and r["seconds"] < 1'

# 10.0.0.6 is an endpoint of VLAN 100 only.
check "VLAN $FIRST: its own 10.0.0.6 answers ping" in_vlan $FIRST ping -c 1 -W 2 -q 10.0.0.6
n=$(wc -l <"$PPV2_LOG")
out=$(in_vlan $FIRST python3 "$LIB/ppv2_client.py" sink 10.0.0.6 443 10000 7 41006)
check "VLAN $FIRST: 10.0.0.6 carries data" json_ok "$out"
check_eq "with the link id of VLAN $FIRST's 10.0.0.6" "$(json "$(ppv2_record "$n")" '(r.get("link_id"), r.get("sport"))')" \
	"($((FIRST * 256 + 6)), 41006)"
pids=""
for v in 101 200 $LAST $PENDING; do
	in_vlan $v ping -c 2 -W 1 -q 10.0.0.6 >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
for v in 101 200 $LAST $PENDING; do
	if in_vlan $v ping -c 1 -W 1 -q 10.0.0.6 >/dev/null 2>&1 ||
	    in_vlan $v ip neigh show 10.0.0.6 dev c0 | grep -q lladdr; then
		not_ok "VLAN $v: no answer for 10.0.0.6, VLAN $FIRST's endpoint, not even ARP" \
			"$(in_vlan $v ip neigh show 10.0.0.6 dev c0)"
	else
		ok "VLAN $v: no answer for 10.0.0.6, VLAN $FIRST's endpoint, not even ARP"
	fi
done
out=$(in_vlan 101 python3 "$LIB/tcp_probe.py" 10.0.0.6 443 2)
check "VLAN 101: no TCP connection to 10.0.0.6" test "$(json "$out" 'r["result"]')" != connected

# The provider network: a consumer with the appliance as its gateway
# tries ping, TCP and UDP to the backend host and to the NAT IP.  What
# leaves pv0 meanwhile is captured on p0; a proxied connection at the end
# shows the capture works.
pv_mac=$(in_appl cat /sys/class/net/pv0/address)
CAP=$TOPO_DIR/provider.jsonl
in_prov python3 "$LIB/sniff.py" p0 "$pv_mac" 9 "$CAP" >"$TOPO_DIR/sniff.out" 2>&1 &
sniffer=$!
for i in $(seq 50); do grep -q listening "$TOPO_DIR/sniff.out" && break; sleep 0.1; done
pids=""
for v in 102 250; do
	in_vlan $v ip route add default via 10.0.0.1 dev c0
	for dst in 192.168.10.11 192.168.10.201; do
		in_vlan $v ping -c 2 -i 0.3 -W 1 -q $dst >/dev/null 2>&1 &
		pids="$pids $!"
		for port in 22 443 8443; do
			in_vlan $v timeout 3 python3 "$LIB/tcp_probe.py" $dst $port 2 >/dev/null 2>&1 &
			pids="$pids $!"
		done
		in_vlan $v timeout 3 bash -c "echo leak >/dev/udp/$dst/53" 2>/dev/null &
		pids="$pids $!"
	done
done
wait $pids
for v in 102 250; do
	check "VLAN $v: the appliance answers its gateway address 10.0.0.1" in_vlan $v ping -c 1 -W 2 -q 10.0.0.1
done
out=$(in_vlan 250 python3 "$LIB/ppv2_client.py" sink 10.0.0.5 443 10000 8)
check "VLAN 250: its endpoint carries data meanwhile" json_ok "$out"
wait $sniffer
check_eq "nothing but the proxied connection left pv0 (no ICMP, UDP, other TCP, ARP requests)" \
	"$(python3 - "$CAP" <<'PY'
import json, sys
bad = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    proxied = (r["kind"] == "tcp" and r["src"] == "192.168.10.201" and r["dst"] == "192.168.10.11"
               and r["dport"] == 9000)
    if not proxied and not (r["kind"] == "arp" and r["op"] == 2):
        bad.append(r)
print(bad[:5])
PY
)" "[]"
check "the capture saw the proxied connection (it works)" grep -q '"dport": 9000' "$CAP"

# Frames of a VLAN no NIC names (300: the switch carries it), untagged
# and priority-tagged frames on the trunk: counted and dropped.
nonic() { st 's["links"]["rx_dropped_no_nic"]'; }
d0=$(nonic)
in_vlan $NOVLAN python3 "$LIB/vlan_frames.py" send c0 untagged 5 >/dev/null
in_sw python3 "$LIB/vlan_frames.py" send tr untagged 3 >/dev/null
in_sw python3 "$LIB/vlan_frames.py" send tr tagged 2 0 >/dev/null
for i in $(seq 20); do [ "$(nonic)" -ge $((d0 + 10)) ] && break; sleep 0.1; done
check_eq "5 frames of VLAN $NOVLAN, 3 untagged and 2 priority-tagged on the trunk: links.rx_dropped_no_nic counts 10" \
	"$(($(nonic) - d0))" 10
if in_vlan $NOVLAN ping -c 1 -W 1 -q 10.0.0.5 >/dev/null 2>&1; then
	not_ok "VLAN $NOVLAN, no NIC's: no answer for 10.0.0.5"
else
	ok "VLAN $NOVLAN, no NIC's: no answer for 10.0.0.5"
fi
# Tags a trunk peer may send that no NIC takes: an 802.1ad outer tag
# (counted malformed), and two 802.1Q tags of VLAN 101 (the inner tag
# left in the frame: dropped by c101, never a frame of another VLAN).
m0=$(st 's["links"]["rx_dropped_malformed"]')
c0=$(st 'nic["c101"]["rx_dropped_not_ours"] + nic["c101"]["rx_dropped_malformed"]')
in_sw python3 "$LIB/vlan_frames.py" send tr qinq 4 101 >/dev/null
in_sw python3 "$LIB/vlan_frames.py" send tr stacked 3 101 >/dev/null
for i in $(seq 20); do [ "$(st 's["links"]["rx_dropped_malformed"]')" -ge $((m0 + 4)) ] && break; sleep 0.1; done
check_eq "4 frames with an 802.1ad outer tag on the trunk: links.rx_dropped_malformed counts 4" \
	"$(($(st 's["links"]["rx_dropped_malformed"]') - m0))" 4
check_eq "3 frames with two tags of VLAN 101: NIC c101 drops them" \
	"$(($(st 'nic["c101"]["rx_dropped_not_ours"] + nic["c101"]["rx_dropped_malformed"]') - c0))" 3
check_eq "no frame was too long for the links" "$(st 's["links"]["rx_dropped_truncated"]')" 0

# Offloads off on VLAN 120's way and the trunk: full-size frames, 1518
# bytes tagged, into privlinkd; its super-frames cut by the kernel.
for pair in "$P-appl tr0" "$P-sw tr" "$P-sw a120" "$P-v120 c0"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off lro off >/dev/null 2>&1 ||
		not_ok "ethtool -K $2 in $1"
done
to_trunk() { vlan_switch_stats "$P-sw" | python3 -c 'import json,sys; t = json.load(sys.stdin)["to_trunk"]; print(t["frames_over_1514"], t["gso_frames"])'; }
read -r over0 gso0 <<<"$(to_trunk)"
out=$(in_vlan 120 python3 "$LIB/ppv2_client.py" both 10.0.0.5 443 $MB10 23 40998 2>&1)
check "VLAN 120, offloads off: 10 MB each way arrive intact" json_ok "$out"
read -r over1 gso1 <<<"$(to_trunk)"
check_eq "meanwhile 7,000 frames or more of 1518 bytes tagged went to privlinkd, no super-frame" \
	"$((over1 - over0 >= 7000)) $((gso1 - gso0))" "1 0"

check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
