#!/bin/bash
# The user-space 802.1Q switch of the VLAN tests (tests/tools/vlan_switch),
# without privlinkd: two switches back to back over one trunk veth, VLANs
# 10 and 20 on each side, and in both VLANs the same subnet (10.0.0.7 on
# one side, 10.0.0.8 on the other; 10.0.0.20 only in VLAN 20):
#
#   ${P}-v10 c0 .7 ─ a10 ┐                  ┌ a10 ─ c0 .8 ${P}-w10
#                      ${P}-sw1 t1 ══ t2 ${P}-sw2
#   ${P}-v20 c0 .7 ─ a20 ┘                  └ a20 ─ c0 .8, .20 ${P}-w20
#
# Pings and 10 MB each in both VLANs at once (same addresses, same ports)
# with the kernel's offloads on (GSO super-frames cross the trunk) and 10 MB
# with them off (full-size frames, 1518 bytes tagged), nothing
# crosses between VLANs, the trunk's untagged, priority-tagged and
# unknown-VID frames and an access port's tagged ones are counted and
# dropped, a tap works as the trunk, SIGTERM exits 0; then 200 VLANs come
# up through vlan_topo.sh, a few of them answer across a second switch, and
# everything goes away.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vlan_topo.sh"
trap vlan_topo_down EXIT
FRAMES=$ROOT/tests/lib/vlan_frames.py
MB10=10485760

# sw_stat SW EXPR: a Python expression over SW's counters (r), v: VLANs by VID.
sw_stat() {
	vlan_switch_stats "$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
v = {x["vid"]: x for x in r["vlans"]}
print(eval(sys.argv[1]))' "$2"
}
mac_of() { ip netns exec "$1" cat /sys/class/net/c0/address; }
neigh_mac() { ip netns exec "$1" ip neigh show 10.0.0.8 dev c0 | awk '{print $3}'; }

vlan_side_up "$P-sw1" "$P-v" 10.0.0.7/24 10 20 || { not_ok "VLANs 10 and 20 up on switch 1"; exit 1; }
vlan_side_up "$P-sw2" "$P-w" 10.0.0.8/24 10 20 || { not_ok "VLANs 10 and 20 up on switch 2"; exit 1; }
ip -n "$P-w20" addr add 10.0.0.20/24 dev c0
ip link add t1 netns "$P-sw1" type veth peer name t2 netns "$P-sw2" || { not_ok "trunk veth"; exit 1; }
vlan_switch_start "$P-sw1" t1 || { not_ok "switch 1 starts"; exit 1; }
vlan_switch_start "$P-sw2" t2 || { not_ok "switch 2 starts"; exit 1; }
ok "two switches back to back, VLANs 10 and 20 on each"
check_eq "offloads are on (TSO on the consumers' veth)" \
	"$(ip netns exec "$P-v10" ethtool -k c0 | awk '/^tcp-segmentation-offload:/ {print $2}')" on

check "VLAN 10: ping 10.0.0.8 is answered" ip netns exec "$P-v10" ping -c 2 -W 2 -q 10.0.0.8
check "VLAN 20: ping 10.0.0.8 is answered" ip netns exec "$P-v20" ping -c 2 -W 2 -q 10.0.0.8
check_eq "VLAN 10's 10.0.0.8 is the host of VLAN 10" "$(neigh_mac "$P-v10")" "$(mac_of "$P-w10")"
check_eq "VLAN 20's 10.0.0.8 is the host of VLAN 20" "$(neigh_mac "$P-v20")" "$(mac_of "$P-w20")"
check "VLAN 20: ping 10.0.0.20 is answered" ip netns exec "$P-v20" ping -c 1 -W 2 -q 10.0.0.20

before10=$(sw_stat "$P-sw2" 'v[10]["from_trunk_frames"]')
before20=$(sw_stat "$P-sw2" 'v[20]["from_trunk_frames"]')
if ip netns exec "$P-v10" ping -c 2 -W 1 -q 10.0.0.20 >/dev/null 2>&1; then
	not_ok "VLAN 10: no answer from 10.0.0.20, an address only VLAN 20 has"
else
	ok "VLAN 10: no answer from 10.0.0.20, an address only VLAN 20 has"
fi
check "VLAN 10's ARP requests for 10.0.0.20 reached VLAN 10's far side" \
	test "$(sw_stat "$P-sw2" 'v[10]["from_trunk_frames"]')" -gt "$before10"
check_eq "and not one frame reached VLAN 20" "$(sw_stat "$P-sw2" 'v[20]["from_trunk_frames"]')" "$before20"

# 10 MB in each VLAN at once, between the same addresses and ports.
D=$VLAN_TOPO_DIR
head -c $MB10 /dev/urandom >"$D/send10"
head -c $MB10 /dev/urandom >"$D/send20"
s1_gso=$(sw_stat "$P-sw1" 'r["to_trunk"]["gso_frames"]')
for vid in 10 20; do
	ip netns exec "$P-w$vid" timeout 30 socat -u TCP-LISTEN:5000,bind=10.0.0.8,reuseaddr \
		"OPEN:$D/recv$vid,creat,trunc" 2>"$D/socat-l$vid.err" &
	eval "listen$vid=\$!"
done
for vid in 10 20; do
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$P-w$vid" ss -Hltn 'sport = :5000')" ] && break
		sleep 0.1
	done
done
for vid in 10 20; do
	ip netns exec "$P-v$vid" timeout 30 socat -u "OPEN:$D/send$vid" \
		TCP:10.0.0.8:5000,bind=10.0.0.7:40500 2>"$D/socat-s$vid.err" &
	eval "send$vid=\$!"
done
for vid in 10 20; do
	eval "wait \$send$vid; wait \$listen$vid"
	check_eq "VLAN $vid: 10 MB from 10.0.0.7:40500 to 10.0.0.8:5000 arrive intact" \
		"$(sha256sum <"$D/recv$vid" 2>/dev/null | cut -c1-64)" "$(sha256sum <"$D/send$vid" | cut -c1-64)"
done
check "GSO super-frames crossed switch 1 to the trunk (more after the transfers)" \
	test "$(sw_stat "$P-sw1" 'r["to_trunk"]["gso_frames"]')" -gt "$s1_gso"
check "frames longer than 1514 bytes crossed the trunk into switch 2" \
	test "$(sw_stat "$P-sw2" 'r["from_trunk"]["frames_over_1514"]')" -gt 0
check "partial checksums crossed the trunk" \
	test "$(sw_stat "$P-sw2" 'r["from_trunk"]["csum_partial"]')" -gt 0

# Offloads off in VLAN 10 (full checksums, no super-frames): full-size
# frames, 1518 bytes with their tag, cross a trunk of MTU 1500.
for pair in "$P-v10 c0" "$P-w10 c0" "$P-sw1 a10" "$P-sw2 a10" "$P-sw1 t1" "$P-sw2 t2"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off lro off >/dev/null 2>&1 ||
		not_ok "ethtool -K $2 in $1"
done
g0=$(sw_stat "$P-sw1" 'r["to_trunk"]["gso_frames"] + r["to_trunk"]["csum_partial"]')
f0=$(sw_stat "$P-sw2" 'v[10]["from_trunk_frames"]')
o0=$(sw_stat "$P-sw2" 'r["from_trunk"]["frames_over_1514"]')
ip netns exec "$P-w10" timeout 30 socat -u TCP-LISTEN:5001,bind=10.0.0.8,reuseaddr \
	"OPEN:$D/recv10off,creat,trunc" 2>/dev/null &
lpid=$!
for i in $(seq 50); do
	[ -n "$(ip netns exec "$P-w10" ss -Hltn 'sport = :5001')" ] && break
	sleep 0.1
done
ip netns exec "$P-v10" timeout 30 socat -u "OPEN:$D/send10" TCP:10.0.0.8:5001 2>/dev/null
wait $lpid
check_eq "VLAN 10, offloads off: 10 MB arrive intact" \
	"$(sha256sum <"$D/recv10off" 2>/dev/null | cut -c1-64)" "$(sha256sum <"$D/send10" | cut -c1-64)"
check_eq "and no super-frame or partial checksum went to the trunk" \
	"$(sw_stat "$P-sw1" 'r["to_trunk"]["gso_frames"] + r["to_trunk"]["csum_partial"]')" "$g0"
check "switch 2 took at least 7,000 frames off the trunk for VLAN 10 (10 MB in segments of 1448 bytes)" \
	test "$(sw_stat "$P-sw2" 'v[10]["from_trunk_frames"]')" -ge $((f0 + 7000))
check_eq "none longer than 1514 bytes untagged" "$(sw_stat "$P-sw2" 'r["from_trunk"]["frames_over_1514"]')" "$o0"

# What the trunk must not deliver, sent by an AF_PACKET socket on switch
# 2's end of the trunk (switch 2 ignores frames it did not receive).
drops() { sw_stat "$P-sw1" "r['from_trunk']['dropped']['$1']"; }
u0=$(drops untagged) p0=$(drops priority_tagged) k0=$(drops unknown_vid)
q0=$(drops other_tpid) s0=$(drops stacked_tags)
v10_0=$(sw_stat "$P-sw1" 'v[10]["from_trunk_frames"]')
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 untagged 5 >/dev/null
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 tagged 5 0 >/dev/null
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 tagged 5 30 >/dev/null
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 qinq 4 10 >/dev/null
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 stacked 4 10 >/dev/null
ip netns exec "$P-sw2" python3 "$FRAMES" send t2 tagged 3 10 >/dev/null
check_eq "5 untagged frames on the trunk are counted and dropped" "$(($(drops untagged) - u0))" 5
check_eq "5 priority-tagged (VID 0) frames are counted and dropped" "$(($(drops priority_tagged) - p0))" 5
check_eq "5 frames of VID 30 (no mapping) are counted and dropped" "$(($(drops unknown_vid) - k0))" 5
check_eq "4 frames with an 802.1ad outer tag are counted and dropped" "$(($(drops other_tpid) - q0))" 4
check_eq "4 frames with two 802.1Q tags are counted and dropped" "$(($(drops stacked_tags) - s0))" 4
check "3 frames of VID 10 are delivered to VLAN 10" \
	test "$(sw_stat "$P-sw1" 'v[10]["from_trunk_frames"]')" -ge $((v10_0 + 3))

# A consumer's own tags (VLAN hopping) never reach the trunk.
t0=$(sw_stat "$P-sw1" 'r["to_trunk"]["dropped"]["tagged_on_access"]')
w20_0=$(sw_stat "$P-sw2" 'v[20]["from_trunk_frames"]')
ip netns exec "$P-v10" python3 "$FRAMES" send c0 tagged 4 20 >/dev/null
ip netns exec "$P-v10" python3 "$FRAMES" send c0 qinq 4 20 >/dev/null
check_eq "8 frames tagged by VLAN 10's consumer (VID 20, and 802.1ad) are dropped" \
	"$(($(sw_stat "$P-sw1" 'r["to_trunk"]["dropped"]["tagged_on_access"]') - t0))" 8
check_eq "and VLAN 20 on the far side got none of them" "$(sw_stat "$P-sw2" 'v[20]["from_trunk_frames"]')" "$w20_0"

# A tap as the trunk (QEMU's -netdev tap is fed so): an ARP request tagged
# VID 10 written into the tap reaches VLAN 10, and its reply comes back
# out of the tap tagged VID 10.
vlan_side_up "$P-sw3" "$P-x" 10.0.0.7/24 10 || not_ok "a third switch's VLAN 10"
ip -n "$P-sw3" tuntap add dev tp0 mode tap || not_ok "a tap in the third switch's namespace"
vlan_switch_start "$P-sw3" tp0 || not_ok "switch 3 starts on a tap"
r=$(ip netns exec "$P-sw3" python3 "$FRAMES" tap tp0 10)
check "tap trunk: the ARP reply of VLAN 10 comes out of the tap tagged VID 10 ($r)" \
	json_true "$r" 'r["reply"] and r["vid"] == 10'

echo "# send errors (frames lost to a full socket buffer): switch 1 $(sw_stat "$P-sw1" \
	'r["to_trunk"]["dropped"]["tx_errors"] + r["from_trunk"]["dropped"]["tx_errors"]'), switch 2 $(sw_stat "$P-sw2" \
	'r["to_trunk"]["dropped"]["tx_errors"] + r["from_trunk"]["dropped"]["tx_errors"]')"
for sw in "$P-sw1" "$P-sw2" "$P-sw3"; do
	vlan_switch_stop "$sw"
	check_eq "$sw: the switch exits 0 on SIGTERM" "$?" 0
done
check "the counters are written at exit" \
	json_true "$(cat "$VLAN_TOPO_DIR/$P-sw1.json")" 'r["to_trunk"]["frames"] > 0'

# Bad mappings are refused, each with its file:line.
printf '10 a10\n0 a11\n# a comment\n10 a12\n12\n' >"$D/bad.map"
out=$("$VLAN_SWITCH" -f "$D/bad.map" lo 2>&1)
check_eq "a bad mapping file is refused (exit 2)" "$?" 2
check "every bad line is named with its file:line" \
	bash -c '[ "$(grep -c "bad.map:[245]: " <<<"$1")" = 3 ]' _ "$out"
vlan_topo_down

# 200 VLANs on the trunk tr0 of ${P}-appl; a second switch on tr0 serves
# three of them (10.0.0.8) so that they can be pinged end to end.
vlan_topo_up 200 100 || { not_ok "200 VLANs up behind one switch"; exit 1; }
ok "200 VLANs up behind one switch"
check_eq "the switch maps 200 VLANs" "$(sw_stat "$P-sw" 'len(r["vlans"])')" 200
check_eq "200 consumer namespaces, each with c0 10.0.0.7/24" \
	"$(for v in $VLAN_TOPO_VIDS; do ip -n "$P-v$v" -br addr show dev c0; done | grep -c ' 10\.0\.0\.7/24')" 200
vlan_side_up "$P-appl" "$P-w" 10.0.0.8/24 100 199 299 || not_ok "three VLANs on the far side of tr0"
vlan_switch_start "$P-appl" tr0 || not_ok "the far side's switch starts"
for v in 100 199 299; do
	check "VLAN $v of 200: ping 10.0.0.8 is answered by its own host" \
		bash -c 'ip netns exec "$1" ping -c 1 -W 2 -q 10.0.0.8 && [ "$(ip -n "$1" neigh show 10.0.0.8 dev c0 | awk "{print \$3}")" = "$2" ]' \
		_ "$P-v$v" "$(mac_of "$P-w$v")"
done
if in_vlan 150 ping -c 1 -W 1 -q 10.0.0.8 >/dev/null 2>&1; then
	not_ok "VLAN 150 (no host 10.0.0.8 of its own) gets no answer"
else
	ok "VLAN 150 (no host 10.0.0.8 of its own) gets no answer"
fi
vlan_switch_stop "$P-sw"
check_eq "the 200-VLAN switch exits 0 on SIGTERM" "$?" 0
vlan_topo_down
check_eq "no namespace of this test is left" "$(ip netns list | awk '{print $1}' | grep -cE "^$P-(sw[0-9]*|appl|[vwx][0-9]+)\$")" 0
tap_done
