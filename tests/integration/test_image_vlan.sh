#!/bin/bash
# The appliance image on a VLAN trunk (issue 16): one boot under QEMU (TCG,
# kernel + initrd) whose consumer virtio NIC's tap is the trunk of the
# tests' user-space 802.1Q switch (tests/tools/vlan_switch; this kernel has
# no 802.1Q), as a hypervisor hands a VM a trunk port:
#
#   ${P}-v10 c0 10.0.0.7 ─ a10 ┐
#   ${P}-v20 c0 10.0.0.7 ─ a20 ├ ${P}-sw: vlan_switch tr ══ tap ══ virtio 52:54:00:12:34:01
#   ${P}-v30 c0 10.0.0.7 ─ a30 ┘                                  (the appliance VM)
#   ${P}-prov p0 192.168.10.11 ══ tap ══ virtio 52:54:00:12:34:02 ┘
#
# The drop names both VLANs on the one MAC ([nic] mac = ..., vlan = 10 and
# vlan = 20), the same addresses in each (endpoints 10.0.0.5 and 10.0.0.6,
# their own link ids; 10.0.0.9 in VLAN 20 only); VLAN 30 reaches the VM
# but no [nic] names it.  Checked: curl from both VLANs gets nginx's
# PROXY v2 source; 10 MB up in one VLAN and 10 MB down in the other at once
# arrive sha256-identical (GSO super-frames and partial checksums, tagged,
# both ways through the tap) with each VLAN's link id; one VLAN does not
# reach the other's endpoint; VLAN 30 gets no answer and its frames are
# counted (links.rx_dropped_no_nic); the status names each NIC's VLAN.
# Needs `make image` and `make test-tools`.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/topo.sh"
. "$ROOT/tests/lib/vlan_topo.sh"
. "$ROOT/qemu/lib.sh"
trap 'vm_down; vlan_topo_down; topo_down' EXIT
MB10=10485760
BOOT_LIMIT=180		# seconds to the ready line (TCG on a busy machine)
LINK10=0x0a000005 LINK10_RAW=0x0a000006
LINK20=0x14000005 LINK20_RAW=0x14000006

for f in "$IMAGE_DIR/vmlinuz" "$IMAGE_DIR/initrd" "$VLAN_SWITCH"; do
	[ -f "$f" ] || { not_ok "$f exists (make image test-tools)"; exit 1; }
done

vm_net_up || { not_ok "namespaces for the VM"; exit 1; }
vlan_side_up "$P-sw" "$P-v" 10.0.0.7/24 10 20 30 || { not_ok "VLANs 10, 20, 30 behind the switch"; exit 1; }

# The drop: the demo's appliance and services, NICs and endpoints of the
# two VLANs.
D=$TOPO_DIR/vlan-drop
mkdir -p "$D"
{
	for vid in 10 20; do
		printf '[nic vlan%s]\nmac = %s\nvlan = %s\naddress = 10.0.0.5/24\nrole = consumer\n\n' \
			"$vid" "$VM_MAC_CONSUMER" "$vid"
	done
	printf '[nic provider0]\nmac = %s\naddress = 192.168.10.201/24\nrole = provider\n' "$VM_MAC_PROVIDER"
} >"$D/10-nics.ini"
{
	for e in "v10-web vlan10 10.0.0.5 web $LINK10" "v10-raw vlan10 10.0.0.6 raw $LINK10_RAW" \
	    "v20-web vlan20 10.0.0.5 web $LINK20" "v20-raw vlan20 10.0.0.6 raw $LINK20_RAW" \
	    "v20-only vlan20 10.0.0.9 raw 0x14000009"; do
		set -- $e
		printf '[endpoint %s]\nnic = %s\nip = %s\nservice = %s\nlink_id = %s\n\n' "$@"
	done
} >"$D/30-endpoints.ini"
for ep in v10-web v10-raw v20-web v20-raw v20-only; do
	printf '[approval %s]\nstate = Approved\n\n' "$ep"
done >"$D/40-approvals.ini"
vm_config_drive "$TOPO_DIR/config-drive.img" "$D/10-nics.ini" "$D/30-endpoints.ini" "$D/40-approvals.ini" ||
	not_ok "config drive made"

VM_CONSUMER_TRUNK="$P-sw tr"
if vm_start kernel -drive "file=$TOPO_DIR/config-drive.img,format=raw,if=virtio,readonly=on" &&
    vlan_switch_start "$P-sw" tr && vm_wait 'privlinkd: ready' $BOOT_LIMIT; then
	ok "boots to the ready line with the consumer NIC on the switch's trunk ($(echo "$(date +%s.%N) - $VM_STARTED" | bc | cut -c1-5) s)"
else
	not_ok "boots to the ready line with the consumer NIC on the switch's trunk"
	exit 1
fi
start_nginx || { not_ok "nginx starts"; exit 1; }
start_ppv2_backend || { not_ok "PROXY v2 backend starts"; exit 1; }
check "both VLAN NICs found on the one MAC" \
	test "$(grep -cE 'nic vlan(10|20): MAC 52:54:00:12:34:01 is eth' "$VM_DIR/serial.log")" = 2

# The first answer may take a while when TCG shares the machine: 30 s at most.
for vid in 10 20; do
	for i in $(seq 15); do in_vlan $vid ping -c 1 -W 2 -q 10.0.0.5 >/dev/null 2>&1 && break; done
	check "VLAN $vid: ping of its endpoint 10.0.0.5" in_vlan $vid ping -c 1 -W 5 -q 10.0.0.5
done
for vid in 10 20; do
	body=$(in_vlan $vid curl -sS --max-time 20 --local-port 401$vid http://10.0.0.5:443/ 2>&1)
	check_eq "VLAN $vid: curl through 10.0.0.5:443 gets nginx's PROXY v2 source" "$body" "10.0.0.7:401$vid"
done

# 10 MB up in VLAN 10 and 10 MB down in VLAN 20 at once, the same client
# address and port in both.
n=$(wc -l <"$PPV2_LOG")
in_vlan 10 timeout 180 python3 "$ROOT/tests/lib/ppv2_client.py" sink 10.0.0.6 443 $MB10 10 40210 \
	>"$TOPO_DIR/up10.json" 2>&1 &
up=$!
in_vlan 20 timeout 180 python3 "$ROOT/tests/lib/ppv2_client.py" source 10.0.0.6 443 $MB10 20 40210 \
	>"$TOPO_DIR/down20.json" 2>&1 &
down=$!
wait $up $down
check "VLAN 10: 10 MB consumer->backend arrive sha256-identical" json_true "$(cat "$TOPO_DIR/up10.json")" 'r["ok"]'
check "VLAN 20: 10 MB backend->consumer arrive sha256-identical, at the same time" \
	json_true "$(cat "$TOPO_DIR/down20.json")" 'r["ok"]'
for _ in $(seq 50); do [ "$(wc -l <"$PPV2_LOG")" -ge $((n + 2)) ] && break; sleep 0.2; done
check_eq "PROXY v2: 10.0.0.7:40210 in both, VLAN 10's link id on the upload, VLAN 20's on the download" \
	"$(tail -n +$((n + 1)) "$PPV2_LOG" | python3 -c '
import json, sys
print(sorted((r.get("mode"), r.get("src"), r.get("sport"), r.get("dst"), hex(r.get("link_id", 0)))
             for r in map(json.loads, sys.stdin)))')" \
	"[('SINK', '10.0.0.7', 40210, '10.0.0.6', '$(printf '%#x' $LINK10_RAW)'), ('SOURCE', '10.0.0.7', 40210, '10.0.0.6', '$(printf '%#x' $LINK20_RAW)')]"
sw=$(vlan_switch_stats "$P-sw")
check "the switch carried GSO super-frames to the VM and took frames over 1514 bytes from it" \
	json_true "$sw" 'r["to_trunk"]["gso_frames"] > 0 and r["from_trunk"]["frames_over_1514"] > 0'

# One VLAN does not reach the other's endpoint; VLAN 30 nothing at all.
out=$(in_vlan 10 python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.9 443 3)
check "VLAN 10: no connection to 10.0.0.9 (VLAN 20's endpoint)" json_true "$out" 'r["result"] != "connected"'
out=$(in_vlan 20 python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.9 443 10)
check "VLAN 20: its own 10.0.0.9 connects" json_true "$out" 'r["result"] == "connected"'
before=$(wc -l <"$PPV2_LOG")
if in_vlan 30 ping -c 2 -W 2 -q 10.0.0.5 >/dev/null 2>&1; then
	not_ok "VLAN 30 (no [nic] names it): no answer from 10.0.0.5"
else
	ok "VLAN 30 (no [nic] names it): no answer from 10.0.0.5"
fi
out=$(in_vlan 30 python3 "$ROOT/tests/lib/tcp_probe.py" 10.0.0.6 443 3)
check "VLAN 30: no connection to 10.0.0.6" json_true "$out" 'r["result"] != "connected"'
check_eq "and no backend saw a connection" "$(wc -l <"$PPV2_LOG")" "$before"
check "the switch delivered VLAN 30's frames to the VM's trunk" \
	json_true "$(vlan_switch_stats "$P-sw")" '{v["vid"]: v for v in r["vlans"]}[30]["to_trunk_frames"] > 0'

vm_console status
vm_wait '^--- end ---' 30 >/dev/null 2>&1
st=$(sed -n '/^--- status ---/,/^--- end ---/p' "$VM_DIR/serial.log" | tr -d '\r' | sed '1d;$d')
check "status: each NIC with its VLAN (10, 20; the provider 0)" \
	json_true "$st" '{n["name"]: n["vlan"] for n in r["nics"]} == {"vlan10": 10, "vlan20": 20, "provider0": 0}'
check "status: VLAN 30's frames counted as links.rx_dropped_no_nic ($(json "$st" 'r["links"]["rx_dropped_no_nic"]' 2>/dev/null))" \
	json_true "$st" 'r["links"]["rx_dropped_no_nic"] >= 2'
check "status: the endpoints of both VLANs carried bytes" \
	json_true "$st" 'all(e["bytes_from_consumer"] > 0 for e in r["endpoints"] if e["name"] != "v20-only")'
check "the power button powers it off" vm_powerdown 60
if [ "$tap_failed" -gt 0 ]; then
	echo "# console of this boot:"
	sed 's/^/#   /; s/\r$//' "$VM_DIR/serial.log" | tail -n 60
	echo "# switch: $(vlan_switch_stats "$P-sw" 2>/dev/null)"
fi
vm_down
tap_done
