#!/bin/bash
# The provider network as a VLAN of the same trunk as the consumers' (a VM
# with one NIC, issue 16): VLAN 10 holds the backend 192.168.10.11 and the
# appliance's provider NIC, VLANs 11 and 12 two consumer networks with the
# same 10.0.0.7 and endpoint 10.0.0.5 (link ids 11 and 12), all on tr0:
#
#   ${P}-v10: c0 192.168.10.11 (ppv2_backend :9000) ┐
#   ${P}-v11: c0 10.0.0.7 ─────────────────── vlan_switch ══ tr0 privlinkd
#   ${P}-v12: c0 10.0.0.7 ──────────────────────────┘
#
# The backend is probed (tcp) over VLAN 10 and comes up; both consumers
# are served at once with their link ids; the exfiltration rule holds
# between VLANs of one trunk: what a consumer sends toward the provider
# network (the appliance as its gateway) makes no frame on VLAN 10 but the
# proxied connections' and the probes', and what the provider host sends
# toward the consumers makes no frame on VLANs 11 and 12.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/topo.sh"
. "$(dirname "$0")/../lib/vlan_topo.sh"
PRIVLINKD=${PRIVLINKD_SAN:-$ROOT/build/privlinkd-san}
cleanup() { vlan_topo_down; topo_down; }
trap cleanup EXIT
LIB=$ROOT/tests/lib
MB1=1048576

vlan_topo_up 3 10 || { not_ok "VLANs 10-12 up on the trunk tr0"; exit 1; }
TOPO_DIR=$VLAN_TOPO_DIR
in_vlan 10 ip addr flush dev c0
in_vlan 10 ip addr add 192.168.10.11/24 dev c0
PPV2_LOG=$TOPO_DIR/ppv2.log
: >"$PPV2_LOG"
in_vlan 10 python3 "$LIB/ppv2_backend.py" 192.168.10.11 9000 "$PPV2_LOG" >"$TOPO_DIR/ppv2_backend.out" 2>&1 &
for i in $(seq 50); do grep -q listening "$TOPO_DIR/ppv2_backend.out" && break; sleep 0.1; done
check "the backend listens on VLAN 10" grep -q listening "$TOPO_DIR/ppv2_backend.out"
DROP=$TOPO_DIR/drop
mkdir -p "$DROP"
cp "$ROOT/config/examples/demo/00-appliance.ini" "$DROP/"
cat >"$DROP/10-nics.ini" <<'INI'
[nic provider10]
interface = tr0
vlan = 10
address = 192.168.10.201/24
role = provider

[nic c11]
interface = tr0
vlan = 11
address = 10.0.0.1/24
role = consumer

[nic c12]
interface = tr0
vlan = 12
address = 10.0.0.1/24
role = consumer
INI
cat >"$DROP/20-services.ini" <<'INI'
[pool raw]
backend = 192.168.10.11:9000
probe = tcp
probe_interval = 1s
probe_timeout = 500ms
probe_rise = 1

[service raw]
rule = 443 -> raw
nat_ip = 192.168.10.201
proxy_protocol = on

[endpoint e11]
nic = c11
ip = 10.0.0.5
service = raw
link_id = 11

[endpoint e12]
nic = c12
ip = 10.0.0.5
service = raw
link_id = 12

[approval e11]
state = Approved
[approval e12]
state = Approved
INI
start_privlinkd "$DROP" || { not_ok "privlinkd starts with its provider NIC on VLAN 10 of the trunk"; exit 1; }
ok "privlinkd starts with its provider NIC on VLAN 10 of the trunk"
LOG=$TOPO_DIR/privlinkd.log
check "the TCP probe over VLAN 10 brings the backend up" \
	wait_status 's["pools"][0]["backends"][0]["state"] == "up"'

n=$(wc -l <"$PPV2_LOG")
in_vlan 11 python3 "$LIB/ppv2_client.py" both 10.0.0.5 443 $MB1 1 40011 >"$TOPO_DIR/b11.out" 2>&1 &
b11=$!
in_vlan 12 python3 "$LIB/ppv2_client.py" both 10.0.0.5 443 $MB1 2 40011 >"$TOPO_DIR/b12.out" 2>&1 &
b12=$!
wait $b11; r11=$?
wait $b12; r12=$?
check_eq "VLANs 11 and 12: 1 MB each way at once from the same 10.0.0.7:40011 arrive intact" "$r11 $r12" "0 0"
for i in $(seq 50); do [ "$(wc -l <"$PPV2_LOG")" -ge $((n + 2)) ] && break; sleep 0.1; done
check_eq "the backend on VLAN 10 saw both from the NAT IP, each with its link id" \
	"$(tail -n +$((n + 1)) "$PPV2_LOG" | python3 -c 'import json,sys; print(sorted((json.loads(l).get("link_id"), json.loads(l).get("src"), json.loads(l).get("sport"), json.loads(l).get("peer").split(":")[0]) for l in sys.stdin))')" \
	"[(11, '10.0.0.7', 40011, '192.168.10.201'), (12, '10.0.0.7', 40011, '192.168.10.201')]"

# Consumer -> provider network, through the appliance as a gateway: the
# capture on VLAN 10's host sees the appliance send nothing but TCP from
# the NAT IP or its own address to the backend's port (probes, proxied)
# and ARP replies.
tr_mac=$(in_appl cat /sys/class/net/tr0/address)
CAP=$TOPO_DIR/v10.jsonl
in_vlan 10 python3 "$LIB/sniff.py" c0 "$tr_mac" 7 "$CAP" >"$TOPO_DIR/sniff.out" 2>&1 &
sniffer=$!
for i in $(seq 50); do grep -q listening "$TOPO_DIR/sniff.out" && break; sleep 0.1; done
in_vlan 11 ip route add default via 10.0.0.1 dev c0
pids=""
for dst in 192.168.10.11 192.168.10.201; do
	in_vlan 11 ping -c 2 -i 0.3 -W 1 -q $dst >/dev/null 2>&1 &
	pids="$pids $!"
	for port in 22 8443; do
		in_vlan 11 timeout 3 python3 "$LIB/tcp_probe.py" $dst $port 2 >/dev/null 2>&1 &
		pids="$pids $!"
	done
	in_vlan 11 timeout 3 bash -c "echo leak >/dev/udp/$dst/53" 2>/dev/null &
	pids="$pids $!"
done
wait $pids
out=$(in_vlan 12 python3 "$LIB/ppv2_client.py" sink 10.0.0.5 443 10000 3)
check "VLAN 12: its endpoint carries data meanwhile" json_ok "$out"
wait $sniffer
check_eq "VLAN 10 saw nothing from the appliance but probes, the proxied connection and ARP replies" \
	"$(python3 - "$CAP" <<'PY'
import json, sys
bad = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    ours = (r["kind"] == "tcp" and r["src"] in ("192.168.10.201",) and r["dst"] == "192.168.10.11"
            and r["dport"] == 9000)
    if not ours and not (r["kind"] == "arp" and r["op"] == 2):
        bad.append(r)
print(bad[:5])
PY
)" "[]"
check "the capture saw the proxied connection (it works)" grep -q '"dport": 9000' "$CAP"

# Provider host -> consumer networks through the appliance: no frame on
# VLANs 11 and 12 (the switch counts what it delivers to each).
vframes() { vlan_switch_stats "$P-sw" | python3 -c 'import json,sys; v = {x["vid"]: x for x in json.load(sys.stdin)["vlans"]}; print(v[11]["from_trunk_frames"] + v[12]["from_trunk_frames"])'; }
f0=$(vframes)
in_vlan 10 ip route add 10.0.0.0/24 via 192.168.10.201 dev c0
for dst in 10.0.0.5 10.0.0.7 10.0.0.1; do
	in_vlan 10 ping -c 1 -W 1 -q $dst >/dev/null 2>&1
	in_vlan 10 timeout 3 python3 "$LIB/tcp_probe.py" $dst 443 1 >/dev/null 2>&1
done
check_eq "the provider host's pings and SYNs toward 10.0.0.x put no frame on VLANs 11 and 12" "$(($(vframes) - f0))" 0

check "privlinkd is still running" privlinkd_alive
stop_privlinkd
check_eq "SIGTERM stops the sanitized privlinkd with status 0" "$?" 0
check_no_sanitizer_report "$LOG"
tap_done
